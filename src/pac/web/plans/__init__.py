"""Plans: objectives, funnel, team and effort, and the page that checks them."""

// Renders every Vega-Lite chart of the page from its JSON spec (vendored vega-embed, no CDN), with the
// page's number and date locale (French: 1 000 000 €, 25 %, « 7 déc. »). Under the page's
// Content-Security-Policy: expressions run by Vega's interpreter (no eval, no new Function), and no style
// element injected by vega-embed or its tooltips (their rules are in pac.css).
(function () {
  var LOCALES = {
    fr: {
      format: { decimal: ",", thousands: "\u202f", grouping: [3], currency: ["", "\u00a0€"], percent: "\u202f%" },
      time: {
        dateTime: "%A %e %B %Y à %X", date: "%d/%m/%Y", time: "%H:%M:%S", periods: ["", ""],
        days: ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        shortDays: ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        months: ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"],
        shortMonths: ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
      }
    },
    en: {
      format: { decimal: ".", thousands: ",", grouping: [3], currency: ["€", ""] },
      time: {
        dateTime: "%x, %X", date: "%-m/%-d/%Y", time: "%-I:%M:%S %p", periods: ["AM", "PM"],
        days: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        shortDays: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
        months: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
        shortMonths: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
      }
    }
  };
  function render(root) {
    var locale = LOCALES[(document.documentElement.lang || "fr").slice(0, 2)] || LOCALES.fr;
    root.querySelectorAll(".chart[data-spec]").forEach(function (el) {
      var source = document.getElementById(el.dataset.spec);
      if (!source || !window.vegaEmbed || !window.vega.expressionInterpreter) return;
      var options = {
        actions: false, renderer: "svg", formatLocale: locale.format, timeFormatLocale: locale.time,
        ast: true, expr: window.vega.expressionInterpreter, defaultStyle: false,
        tooltip: { disableDefaultStyle: true }
      };
      window.vegaEmbed(el, JSON.parse(source.textContent), options)
        .then(function () { el.dataset.rendered = "true"; })
        .catch(function (error) { el.textContent = String(error); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.addEventListener("htmx:afterSettle", function (event) { render(event.target); });
})();

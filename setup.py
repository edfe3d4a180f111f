"""Build hook: the wheel carries the compiled French catalogue.

The ``.mo`` files are build products (git-ignored); without this hook an installed PAC would serve
English pages until someone ran ``make messages``. Everything else is declared in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogues(build_py):
    """Copy the package as usual, then compile each ``locale/*/LC_MESSAGES/*.po`` next to itself."""

    def run(self) -> None:
        super().run()
        for po, mo in self.catalogues():
            compile_catalogue(po, mo)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        return outputs if self.editable_mode else sorted({*outputs, *(str(mo) for _, mo in self.catalogues())})

    def catalogues(self) -> list[tuple[Path, Path]]:
        """Each catalogue and where its compiled form goes: an editable install imports from the source
        tree, a wheel from build_lib."""
        source = Path(self.get_package_dir("pac")) / "locale"
        target = source if self.editable_mode else Path(self.build_lib) / "pac" / "locale"
        return [
            (po, target / po.relative_to(source).with_suffix(".mo")) for po in sorted(source.glob("*/LC_MESSAGES/*.po"))
        ]


def compile_catalogue(po: Path, mo: Path) -> None:
    """What ``pybabel compile`` does (fuzzy entries left out), with Babel from the build requirements."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as stream:
        catalogue = read_po(stream, locale=po.parent.parent.name)
    mo.parent.mkdir(parents=True, exist_ok=True)
    with mo.open("wb") as stream:
        write_mo(stream, catalogue, use_fuzzy=False)


setup(cmdclass={"build_py": BuildPyWithCatalogues})

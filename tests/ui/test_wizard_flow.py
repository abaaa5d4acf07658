"""Issue 14 item 3 (the wizard's part): the flow is a table outside the pages (ui/wizard/flow.py),
the pages never import the wizard, and no import cycle is left in ui/wizard/."""

from __future__ import annotations

import ast
from types import SimpleNamespace

from tests.helpers import REPO
from ui.context import LOCAL, REMOTE
from ui.wizard import flow

WIZARD = REPO / "ui" / "wizard"


def _imports(path) -> set[str]:
    """The ui.wizard modules a file imports, at any depth of the file (lazy imports count)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ui.wizard"):
            found |= {
                f"{node.module}.{alias.name}" if node.module == "ui.wizard" else node.module
                for alias in node.names
            }
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("ui.wizard")}
    return found


def test_no_page_imports_the_wizard_and_there_is_no_cycle():
    graph = {
        f"ui.wizard.{path.stem}": _imports(path) for path in WIZARD.glob("*.py")
        if path.stem != "__init__"
    }  # fmt: skip
    pages = [name for name in graph if name.endswith("_page")]
    assert len(pages) == 8
    for page in pages:
        assert "ui.wizard.wizard" not in graph[page], f"{page} imports the wizard"
    assert all(not name.endswith("_page") for name in graph["ui.wizard.flow"])

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = [name for name in graph if reaches(name, name, {name})]
    assert not cycles, f"import cycles through {cycles}"


def _walk(start: int, mode: str, choice: str) -> list[int]:
    answers = SimpleNamespace(mode=mode, choice=choice)
    path = [start]
    while path[-1] != flow.END:
        path.append(flow.next_page(path[-1], answers))
        assert len(path) < 20, f"the flow loops: {path}"
    return path[:-1]


def test_every_choice_ends_on_the_done_page_by_its_own_pages():
    f = flow
    assert _walk(f.COSIGNER, LOCAL, f.CREATE) == [f.COSIGNER, f.WALLET, f.WORDS, f.CONFIRM, f.DONE]
    assert _walk(f.COSIGNER, REMOTE, f.IMPORT_CHOICE) == [
        f.COSIGNER, f.SIGNIN, f.WALLET, f.IMPORT, f.DONE,
    ]  # fmt: skip
    assert _walk(f.WALLET, REMOTE, f.REDEEM_CHOICE) == [f.WALLET, f.REDEEM, f.DONE]
    assert _walk(f.WALLET, LOCAL, f.SKIP) == [f.WALLET, f.DONE]


def test_the_wizard_follows_the_table(qtbot, ctx):
    from ui.wizard import FirstRunWizard

    wizard = FirstRunWizard(ctx, start=flow.WALLET)
    qtbot.addWidget(wizard)
    assert set(wizard.pageIds()) == set(flow.FLOW)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.currentId() == flow.WALLET)
    wizard.pages[flow.WALLET].set_choice(flow.SKIP)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == flow.DONE)
    assert wizard.nextId() == flow.END  # the last page: Finish

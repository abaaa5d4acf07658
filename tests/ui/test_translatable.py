"""Issue 15, languages: no user-facing text in ui/ bypasses Qt's translation machinery. Every
ui/*.py is parsed and reported as file:line: a string literal or f-string handed to a call that
puts text on screen (or a job's label, its progress text), a sentence in a module-level table,
any other bare sentence, and any f-string sentence (lupdate cannot extract those). Docstrings,
log lines and exception messages (ui/errors.py words failures for people) are not screen text.
Wrapped text is self.tr("..."), QCoreApplication.translate("Context", "...") or, in a table
translated when shown, QT_TRANSLATE_NOOP("Context", "...")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.helpers import REPO

# Methods and constructors whose text arguments reach the screen.
TEXT_CALLS = {
    "setText", "setWindowTitle", "setToolTip", "setPlaceholderText", "setStatusTip",
    "setWhatsThis", "setAccessibleName", "setAccessibleDescription", "setInformativeText",
    "setDetailedText", "setTitle", "setSubTitle", "setLabelText", "setButtonText", "setTabText",
    "setHeaderLabels", "setHorizontalHeaderLabels", "setVerticalHeaderLabels", "addTab",
    "insertTab", "addItem", "addItems", "insertItem", "addRow", "addMenu", "addAction",
    "addButton", "showMessage", "setPrefix", "setSuffix", "setSpecialValueText",
    "QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QGroupBox", "QAction", "QToolButton",
    "QCommandLinkButton", "QMessageBox", "information", "warning", "critical", "question",
    "Explanation", "heading", "field_block", "set_error", "show_busy", "set_busy",
    "QListWidgetItem", "about", "track", "report", "follow", "show_error", "getSaveFileName",
    "getOpenFileName", "getExistingDirectory", "getText",
}  # fmt: skip
# Keywords of those calls that are identifiers, not words (an Explanation's rule and field).
NOT_SHOWN = {"rule", "field", "objectName"}
# Words followed by more words; Qt's date formats are not prose.
PROSE = re.compile(r"[A-Za-z]{2,} [A-Za-z]")
FORMATS = {"yyyy-MM-dd HH:mm"}
# Calls that mark text for translation: anything inside them is wrapped.
WRAPPERS = {"tr", "translate", "QT_TRANSLATE_NOOP", "QT_TR_NOOP"}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _is_words(node: ast.expr) -> bool:
    """A bare literal a person would read (letters, not a key like "errorBanner"'s object
    name; an f-string always, since lupdate cannot extract one)."""
    if isinstance(node, ast.JoinedStr):  # markup around translated parts is not words
        return any(_is_words(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(c.isalpha() for c in re.sub(r"<[^>]*>|&\w+;", "", node.value))
    if isinstance(node, ast.BinOp):
        return _is_words(node.left) or _is_words(node.right)
    if isinstance(node, ast.IfExp):
        return _is_words(node.body) or _is_words(node.orelse)
    return False


def _is_log(func: ast.expr) -> bool:
    """log.warning(...) is for the log, not QMessageBox.warning."""
    target = func.value if isinstance(func, ast.Attribute) else None
    return isinstance(target, ast.Name) and target.id in {"log", "logger", "logging"}


class _Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []
        self.reported: set[int] = set()  # nodes already reported by the call that shows them

    def visit_Raise(self, node: ast.Raise) -> None:  # noqa: N802
        """An exception's message is for the log (ui/errors.py words it for people)."""

    def visit_Expr(self, node: ast.Expr) -> None:  # noqa: N802
        if not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            self.generic_visit(node)  # a docstring is for programmers

    def visit_Constant(self, node: ast.Constant) -> None:  # noqa: N802
        # Prose anywhere else (a label picked in an if, a default, a tuple of choices): wrapped
        # calls are not visited, so what reaches here is bare.
        if id(node) in self.reported:
            return
        if isinstance(node.value, str) and PROSE.search(node.value) and node.value not in FORMATS:
            self.found.append((node.lineno, "a bare sentence"))

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:  # noqa: N802
        # A sentence built with an f-string cannot be in the catalogue at all, wherever it goes
        # (lupdate reads only literals): tr("... {n} ...").format(n=...) can.
        text = re.sub(r"<[^>]*>|&\w+;", "", "".join(
            part.value for part in node.values if isinstance(part, ast.Constant)
        ))  # fmt: skip
        if " " in text and re.search(r"[A-Za-z]{2}", text):
            self.found.append((node.lineno, "an f-string sentence"))

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802 (ast's name)
        name = _name(node.func)
        if name in WRAPPERS or _is_log(node.func) or name == "print":
            return
        if name == "format" and isinstance(node.func, ast.Attribute):
            self.visit(node.func.value)  # tr("...").format(...): the wrapped call, then the args
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                self.visit(arg)
            return  # wrapped: its arguments are the catalogue's, not the screen's
        for keyword in node.keywords:  # a job's label is its default progress text (ui/jobs.py)
            if keyword.arg == "label" and _is_words(keyword.value):
                self.found.append((keyword.value.lineno, "label="))
                self.reported.add(id(keyword.value))
        if name in TEXT_CALLS:
            shown = [k.value for k in node.keywords if k.arg not in NOT_SHOWN]
            for arg in [*node.args, *shown]:
                if _is_words(arg):
                    self.found.append((arg.lineno, f"{name}(...)"))
                elif isinstance(arg, (ast.List, ast.Tuple)):
                    for item in arg.elts:
                        if _is_words(item):
                            self.found.append((item.lineno, f"{name}([...])"))
        self.generic_visit(node)


def _sentences(node: ast.expr) -> list[ast.expr]:
    """Bare string literals with a space in them anywhere in a module-level table."""
    out = []
    for child in ast.walk(node):
        if isinstance(child, ast.Call) and _name(child.func) in WRAPPERS:
            continue
        if isinstance(child, ast.Constant) and isinstance(child.value, str) and " " in child.value:
            out.append(child)
    wrapped = {
        id(c)
        for call in ast.walk(node)
        if isinstance(call, ast.Call) and _name(call.func) in WRAPPERS
        for c in ast.walk(call)
    }
    return [c for c in out if id(c) not in wrapped]


def _unwrapped(path: Path, root: Path = REPO) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    finder = _Finder()
    finder.visit(tree)
    found = list(finder.found)
    for stmt in tree.body:  # module-level tables of sentences (class-level too)
        targets = [stmt] + [s for s in getattr(stmt, "body", []) if isinstance(stmt, ast.ClassDef)]
        for item in targets:
            if isinstance(item, (ast.Assign, ast.AnnAssign)) and isinstance(
                item.value, (ast.Dict, ast.List, ast.Tuple, ast.Constant)
            ):
                found += [(c.lineno, "a table of sentences") for c in _sentences(item.value)]
    rel = path.relative_to(root)
    first = dict(sorted(found, reverse=True))  # one report a line
    return [f"{rel}:{line}: {what}" for line, what in sorted(first.items())]


def test_every_user_facing_string_in_ui_goes_through_tr():
    problems = [p for path in sorted((REPO / "ui").rglob("*.py")) for p in _unwrapped(path)]
    # ui/context.py names its own jobs (connecting, restarting the built-in co-signer) for the
    # log; no screen shows those labels.
    problems = [p for p in problems if not (p.startswith("ui/context.py:") and "label=" in p)]
    assert not problems, "not translatable (wrap in self.tr / translate):\n" + "\n".join(problems)


def test_the_check_finds_an_unwrapped_label(tmp_path):
    # The check itself can fail: a literal label and an f-string title are both reported,
    # their wrapped forms are not.
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from PySide6.QtWidgets import QLabel\n"
        "TITLES = {'a': 'A sentence here'}\n"
        "label = QLabel('Hello there')\n"
        "label.setWindowTitle(f'Wallet {1}')\n"
        "label.setText(label.tr('Fine'))\n"
        "label.setText(f'<b>{label.text()}</b>')\n"
        "question = f'Revoke {label} now?'\n"
        "log.warning(f'not for {label} people')\n"
        "def pick(x):\n"
        "    '''A docstring is for programmers.'''\n"
        "    if not x:\n"
        "        raise ValueError('an exception message goes to the log')\n"
        "    return 'Send it now' if x else label.tr('Keep it')\n"
    )
    problems = _unwrapped(sample, tmp_path)
    lines = [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in problems]
    assert lines == ["2", "3", "4", "7", "13"]

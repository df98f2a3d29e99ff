"""etl's words: the "etl" domain of the message catalogue (core/messages.py), and the error
that carries one.

etl says what happened to a file, a sheet, a row or a batch as a `Message` (a key and its
parameters) and leaves the words to the edge: the upload and withdraw views render it in the
user's language, the command line in both. Each module registers its own table beside the
code that says it, as `register("etl.<module>", {...})`, so every key reads
"etl.<module>.<name>" and no module builds a sentence once per language.

Two places keep both renderings as data, because both languages are their contract: the
rejects (`reason_zh`, `reason_en`: the warehouse's load_rejects and the report staff read in
either language) and a withdrawal's `blocked_zh`/`blocked_en` columns; they call `both`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from core.messages import Message, Pair, register, render

register("etl.list", {"comma": ("、", ", "), "semicolon": ("；", "; "), "and": ("和", " and ")})


class Say(Protocol):
    """What a long run (a load, a withdrawal) says as it goes, about a file when it names
    one; the command line prints it in both languages (`python -m etl`)."""

    def __call__(self, message: Message, file: str | None = None) -> None: ...


def both(message: Message) -> tuple[str, str]:
    """The message in Chinese and in English, for text kept in both languages."""
    return render(message, "zh"), render(message, "en")


def joined(values: Iterable[object], sep: str = "comma") -> Pair:
    """Values (headers, cells, batches) listed with each language's separator: 、 or ", "
    (sep "comma"), ； or "; " ("semicolon"), 和 or " and " ("and")."""
    values = [str(v) for v in values]
    zh, en = both(Message(f"etl.list.{sep}"))
    return Pair(zh.join(values), en.join(values))


def listed(parts: Sequence[Message], sep: str = "semicolon") -> tuple[Message, ...]:
    """Messages said one after another, with each language's separator between them (a
    parameter that is a tuple of Messages is rendered whole in the reader's language)."""
    out: list[Message] = []
    for i, part in enumerate(parts):
        out += [Message(f"etl.list.{sep}"), part] if i else [part]
    return tuple(out)


class Said(Exception):
    """An error whose reason is a catalogue message (`message`), rendered where it is shown;
    `zh` and `en` render it for a line that says both (the command line, the tests)."""

    def __init__(self, key: str | Message, **params: object) -> None:
        self.message = key if isinstance(key, Message) else Message(key, params)
        super().__init__(self.message)

    def __str__(self) -> str:  # rendered when shown, not when raised (a parser raises many)
        return self.en

    @property
    def zh(self) -> str:
        return render(self.message, "zh")

    @property
    def en(self) -> str:
        return render(self.message, "en")

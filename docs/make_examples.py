"""Example-reply images for the README: the real bot's replies, drawn as Discord shows them.

The bot runs against the fake Discord (tests/fakediscord) on a temporary database; each reply is
the message the bot actually sent (embeds, components, attachments), laid out as Discord's dark
theme in HTML and photographed with headless Chromium into docs/examples/<name>.png.

    .venv/bin/python -m docs.make_examples      # or: .venv/bin/python docs/make_examples.py

Needs `chromium` on PATH (Debian: apt-get install chromium). A docs tool only: never run in tests
or CI.
"""

from __future__ import annotations

import asyncio
import base64
import html
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script too: the repo root must be importable for bot/ and tests/.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image, ImageChops  # noqa: E402

from bot.client import NatoBot  # noqa: E402
from bot.config import Settings  # noqa: E402
from tests.fakediscord import FakeDiscord  # noqa: E402

OUT_DIR = ROOT / "docs" / "examples"
WIDTH = 700
#: A phone's width in CSS pixels (a 1080-pixel-wide screen at 2.7×): the README's phone renders.
PHONE_WIDTH = 400
BACKGROUND = (0x31, 0x33, 0x38)  # Discord's dark theme, #313338
EPHEMERAL_FLAG = 1 << 6
BOT_NAME = "NATO Spending"
USER_NAME = "tester"
TIMESTAMP = "Today at 09:41"  # fixed, so the images don't change from run to run


@dataclass(frozen=True)
class Invocation:
    """One slash command to run and the image its reply becomes."""

    name: str  # docs/examples/<name>.png
    command: str
    options: dict[str, Any] = field(default_factory=dict)
    width: int = WIDTH  # of the page photographed, CSS pixels

    @property
    def typed(self) -> str:
        """The command as a user types it, e.g. `/compare countries:"pl, de, fr"`."""
        parts = [f"/{self.command}"]
        for key, value in self.options.items():
            shown = str(value)
            parts.append(f'{key}:"{shown}"' if " " in shown else f"{key}:{shown}")
        return " ".join(parts)


@dataclass
class Reply:
    """What the bot sent, as Discord holds it."""

    invocation: Invocation
    content: str
    embeds: list[dict[str, Any]]
    components: list[dict[str, Any]]
    ephemeral: bool
    files: dict[str, bytes]  # attachment filename -> bytes


INVOCATIONS: Sequence[Invocation] = (
    Invocation("summary", "summary", {"year": 2024, "target": 2, "release": "2024-06"}),
    Invocation("summary-core", "summary"),  # the newest release is core; the default target 2%
    Invocation("summary-3.5", "summary", {"target": 3.5}),
    Invocation("ranking", "ranking"),
    Invocation("gap", "gap", {"country": "Spain", "year": 2024, "target": 2, "release": "2024-06"}),
    Invocation("country", "country", {"country": "pl"}),
    Invocation("compare", "compare", {"countries": "pl, de, fr"}),
    Invocation("revisions", "revisions", {"country": "Poland", "year": 2024}),
    Invocation("targets", "targets"),
    Invocation("about", "about"),
    Invocation("country-unknown", "country", {"country": "polnad"}),
    Invocation("help", "help"),
    Invocation("summary-phone", "summary", {"target": 3.5}, width=PHONE_WIDTH),
    Invocation("country-phone", "country", {"country": "pl"}, width=PHONE_WIDTH),
)


# --------------------------------------------------------------------------- the bot's replies


async def collect(invocations: Sequence[Invocation]) -> list[Reply]:
    """Run the real bot against the fake Discord on a fresh database; one reply per command."""
    replies: list[Reply] = []
    with tempfile.TemporaryDirectory(prefix="natobot-docs-") as tmp:
        async with FakeDiscord(bot_name=BOT_NAME) as fake:
            fake.add_guild("NATO Watchers")
            settings = Settings(
                _env_file=None,
                discord_token="fake-token",
                database_path=Path(tmp) / "natobot.sqlite3",
                owner_ids=frozenset({fake.owner.id}),
            )
            with fake.patched():
                async with fake.running(NatoBot(settings)):
                    await fake.wait_for_commands()
                    for invocation in invocations:
                        interaction = await fake.invoke(invocation.command, invocation.options)
                        # A first chart starts a worker: slow on a loaded machine.
                        message = await interaction.final_message(timeout=120)
                        replies.append(
                            Reply(
                                invocation=invocation,
                                content=message.content,
                                embeds=[dict(e) for e in message.embeds],
                                components=list(message.components),
                                ephemeral=bool(message.flags & EPHEMERAL_FLAG),
                                files={f.filename: f.data for f in message.attachments},
                            )
                        )
    return replies


# --------------------------------------------------------------------------- markdown -> HTML

_CODE_BLOCK = re.compile(r"```(?:[a-z]*\n)?(.*?)```", re.DOTALL)
_INLINE_RULES = (
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*(.+?)\*\*", re.DOTALL), r"<strong>\1</strong>"),
    (re.compile(r"__(.+?)__", re.DOTALL), r"<u>\1</u>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"<em>\1</em>"),
    (re.compile(r"(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)"), r"<em>\1</em>"),
    (re.compile(r"~~(.+?)~~", re.DOTALL), r"<s>\1</s>"),
    (re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)"), r'<a href="\2">\1</a>'),
)


def _inline(text: str) -> str:
    """Escape, then Discord's inline markdown; a line starting with `# ` is a heading."""
    lines = []
    for line in html.escape(text, quote=False).split("\n"):
        heading = re.match(r"(#{1,3}) (.*)", line)
        for pattern, replacement in _INLINE_RULES:
            line = pattern.sub(replacement, heading.group(2) if heading else line)
        if heading:
            line = f'<span class="h{len(heading.group(1))}">{line}</span>'
        lines.append(line)
    return "<br>".join(lines)


def markdown(text: str) -> str:
    """The subset of Discord markdown the bot uses, as HTML (code blocks kept verbatim)."""
    out, last = [], 0
    for block in _CODE_BLOCK.finditer(text):
        before = text[last : block.start()].removesuffix("\n")
        if before:
            out.append(_inline(before))
        out.append(f"<pre>{html.escape(block.group(1).removesuffix(chr(10)))}</pre>")
        last = block.end()
        if text[last : last + 1] == "\n":
            last += 1
    if text[last:]:
        out.append(_inline(text[last:]))
    return "".join(out)


# --------------------------------------------------------------------------- HTML


def _field_rows(fields: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Discord's layout: consecutive inline fields share a row, up to 3; others get a row each."""
    rows: list[list[dict[str, Any]]] = []
    for item in fields:
        if item.get("inline") and rows and rows[-1][-1].get("inline") and len(rows[-1]) < 3:
            rows[-1].append(item)
        else:
            rows.append([item])
    return rows


def _embed_html(embed: dict[str, Any], files: dict[str, bytes]) -> str:
    colour = f"#{int(embed.get('color') or 0x1E1F22):06x}"
    parts: list[str] = []
    if author := embed.get("author"):
        parts.append(f'<div class="author">{html.escape(author.get("name", ""))}</div>')
    if title := embed.get("title"):
        parts.append(f'<div class="title">{_inline(title)}</div>')
    if description := embed.get("description"):
        parts.append(f'<div class="description">{markdown(description)}</div>')
    rows = _field_rows(list(embed.get("fields") or []))
    if rows:
        cells = []
        for row in rows:
            span = 12 // len(row)
            for column, item in enumerate(row):
                start = 1 + column * span
                cells.append(
                    f'<div class="field" style="grid-column: {start} / {start + span}">'
                    f'<div class="name">{_inline(item["name"])}</div>'
                    f'<div class="value">{markdown(item["value"])}</div></div>'
                )
        parts.append(f'<div class="fields">{"".join(cells)}</div>')
    if image := embed.get("image"):
        url = str(image.get("url", ""))
        data = files.get(url.removeprefix("attachment://"))
        if data is not None:
            src = "data:image/png;base64," + base64.b64encode(data).decode()
            parts.append(f'<img class="image" src="{src}" alt="">')
    if footer := embed.get("footer"):
        parts.append(f'<div class="footer">{html.escape(footer.get("text", ""))}</div>')
    return (
        f'<div class="embed" style="border-left-color: {colour}">'
        f'<div class="embed-grid">{"".join(parts)}</div></div>'
    )


_BUTTON_STYLES = {1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "secondary"}


def _components_html(components: list[dict[str, Any]]) -> str:
    rows = []
    for row in components:
        buttons = []
        for item in row.get("components", []):
            if item.get("type") != 2:
                continue
            style = _BUTTON_STYLES.get(int(item.get("style", 2)), "secondary")
            disabled = " disabled" if item.get("disabled") else ""
            label = html.escape(str(item.get("label", "")))
            buttons.append(f'<span class="button {style}{disabled}">{label}</span>')
        rows.append(f'<div class="buttons">{"".join(buttons)}</div>')
    return "".join(rows)


# Avatars: the bot a NATO-blue disc with a four-pointed star, the user a plain grey disc.
_BOT_AVATAR = (
    '<svg viewBox="0 0 40 40" width="{size}" height="{size}">'
    '<circle cx="20" cy="20" r="20" fill="#004990"/>'
    '<path d="M20 6 L23 17 L34 20 L23 23 L20 34 L17 23 L6 20 L17 17 Z" fill="#fff"/></svg>'
)
_USER_AVATAR = (
    '<svg viewBox="0 0 40 40" width="{size}" height="{size}">'
    '<circle cx="20" cy="20" r="20" fill="#5865f2"/>'
    '<circle cx="20" cy="16" r="7" fill="#fff"/>'
    '<path d="M8 33 C10 24 30 24 32 33 Z" fill="#fff"/></svg>'
)

CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; background: #313338; }
body { width: %(width)dpx; padding: 14px 16px 16px 0;
  font: 15px/1.375 "Noto Sans", "DejaVu Sans", sans-serif; color: #dbdee1; }
.message { position: relative; padding: 2px 0 4px 72px; }
.message.ephemeral { background: rgba(88, 101, 242, 0.06); border-radius: 0 4px 4px 0; }
.reply { position: relative; display: flex; align-items: center; gap: 4px; height: 22px;
  font-size: 13px; color: #b5bac1; white-space: nowrap; overflow: hidden; }
.reply::before { content: ""; position: absolute; left: -36px; top: 10px; width: 30px;
  height: 12px; border-left: 2px solid #4e5058; border-top: 2px solid #4e5058;
  border-top-left-radius: 6px; }
.reply .who { color: #f2f3f5; font-weight: 600; margin-left: 2px; }
.reply .cmd { color: #00a8fc; font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
.avatar { position: absolute; left: 16px; top: 24px; }
.header { display: flex; align-items: center; gap: 6px; height: 22px; }
.username { color: #f2f3f5; font-weight: 600; font-size: 16px; }
.badge { background: #5865f2; color: #fff; font-size: 10px; font-weight: 700; padding: 0 4px;
  border-radius: 3px; line-height: 15px; height: 15px; }
.time { color: #949ba4; font-size: 12px; margin-left: 2px; }
.content { color: #dbdee1; white-space: normal; }
.embed { max-width: min(520px, 100%%); margin-top: 4px; background: #2b2d31; border-left: 4px solid;
  border-radius: 4px; }
.embed-grid { display: grid; padding: 8px 16px 16px 12px; gap: 8px; }
.author { font-size: 14px; font-weight: 600; color: #f2f3f5; }
.title { font-size: 16px; font-weight: 600; color: #f2f3f5; }
.description, .value { font-size: 14px; line-height: 1.3; color: #dbdee1; }
.fields { display: grid; grid-template-columns: repeat(12, 1fr); gap: 8px 8px; }
.name { font-size: 14px; font-weight: 600; color: #f2f3f5; margin-bottom: 2px; }
strong { font-weight: 700; color: #f2f3f5; }
code, pre { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12.5px; }
code { background: #1e1f22; border-radius: 3px; padding: 0 2px; }
pre { margin: 4px 0; padding: 7px; background: #1e1f22; border: 1px solid #1e1f22;
  border-radius: 4px; line-height: 1.35; color: #dbdee1; white-space: pre; }
a { color: #00a8fc; text-decoration: none; }
.h1 { font-size: 20px; font-weight: 700; } .h2 { font-size: 18px; font-weight: 700; }
.h3 { font-size: 16px; font-weight: 700; }
.image { display: block; max-width: 100%%; border-radius: 4px; margin-top: 8px; }
.footer { font-size: 12px; color: #b5bac1; margin-top: 2px; white-space: pre-line; }
.buttons { display: flex; gap: 8px; margin-top: 8px; }
.button { display: inline-flex; align-items: center; justify-content: center; min-width: 60px;
  height: 32px; padding: 2px 16px; border-radius: 8px; font-size: 14px; font-weight: 500;
  color: #fff; }
.button.secondary { background: #4e5058; } .button.primary { background: #5865f2; }
.button.success { background: #248046; } .button.danger { background: #da373c; }
.button.disabled { opacity: 0.5; }
.only-you { margin-top: 6px; font-size: 12px; color: #949ba4; display: flex; gap: 4px;
  align-items: center; }
.only-you a { color: #00a8fc; }
"""

_EYE = (
    '<svg width="16" height="16" viewBox="0 0 24 24"><path fill="#949ba4" d="M12 5C5.6 5 2 12 2'
    " 12s3.6 7 10 7 10-7 10-7-3.6-7-10-7Zm0 11.5a4.5 4.5 0 1 1 0-9 4.5 4.5 0 0 1 0 9Zm0-7a2.5"
    ' 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5Z"/></svg>'
)


def page_html(reply: Reply) -> str:
    """A whole page showing one reply as a Discord message."""
    body = []
    if reply.content:
        body.append(f'<div class="content">{markdown(reply.content)}</div>')
    body += [_embed_html(embed, reply.files) for embed in reply.embeds]
    body.append(_components_html(reply.components))
    if reply.ephemeral:
        body.append(
            f'<div class="only-you">{_EYE}Only you can see this • <a>Dismiss message</a></div>'
        )
    classes = "message ephemeral" if reply.ephemeral else "message"
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><style>{CSS % {"width": reply.invocation.width}}</style></head>
<body><div class="{classes}">
<div class="reply">{_USER_AVATAR.format(size=16)}<span class="who">{USER_NAME}</span> used
<span class="cmd">{html.escape(reply.invocation.typed)}</span></div>
<div class="avatar">{_BOT_AVATAR.format(size=40)}</div>
<div class="header"><span class="username">{BOT_NAME}</span><span class="badge">APP</span>
<span class="time">{TIMESTAMP}</span></div>
{"".join(body)}
</div></body></html>
"""


# --------------------------------------------------------------------------- screenshots


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    raise SystemExit("chromium not found: apt-get install chromium (a docs tool; not for CI)")


def screenshot(page: str, target: Path, workdir: Path, width: int = WIDTH) -> None:
    """Photograph `page` with headless Chromium at `width`, then crop to the content."""
    source = workdir / f"{target.stem}.html"
    source.write_text(page, encoding="utf-8")
    raw = workdir / f"{target.stem}.raw.png"
    profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=workdir))
    command = [
        chromium_binary(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--user-data-dir={profile}",
        f"--screenshot={raw}",
        f"--window-size={width},2400",  # generous: cropped below
        source.as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    crop_to_content(raw, target, width)


def crop_to_content(raw: Path, target: Path, width: int = WIDTH, margin: int = 14) -> None:
    """Cut the empty background below the message; save as a compact PNG."""
    with Image.open(raw) as shot:
        image = shot.convert("RGB")
    background = Image.new("RGB", image.size, BACKGROUND)
    box = ImageChops.difference(image, background).getbbox()
    bottom = (box[3] if box else image.height) + margin
    cropped = image.crop((0, 0, width, min(bottom, image.height)))
    # 256 colours keep text crisp and the files a fraction of the size of true colour.
    cropped.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        target, optimize=True
    )


def main() -> None:
    replies = asyncio.run(collect(INVOCATIONS))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="natobot-shots-") as tmp:
        for reply in replies:
            target = OUT_DIR / f"{reply.invocation.name}.png"
            screenshot(page_html(reply), target, Path(tmp), reply.invocation.width)
            with Image.open(target) as done:
                width, height = done.size
            kilobytes = target.stat().st_size // 1024
            print(f"{target.relative_to(ROOT)}  {width}x{height}  {kilobytes} KB")


if __name__ == "__main__":
    main()

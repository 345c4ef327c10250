"""The fake Discord, proved against the real, unmodified discord.py client.

A bare bot (tests/fakediscord/barebot.py) and a toy bot defined here log in, get READY and
GUILD_CREATE, sync, receive interactions and answer through the real endpoints; the tests assert on
what arrived and on what the fake refused the way Discord would.
"""

from __future__ import annotations

import asyncio
import io
import zlib
from collections.abc import AsyncIterator
from typing import Any, Literal, cast

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands
from PIL import Image

from tests.fakediscord import (
    BareBot,
    FakeDiscord,
    FakeDiscordError,
    FakeInteraction,
    Violation,
    limits,
    running_bare_bot,
)
from tests.fakediscord.pytest_plugin import running_fake

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COUNTRIES = ["Poland", "Portugal", "Spain", "Sweden", "Slovakia", "Slovenia", "Estonia"]


def tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, "PNG")
    return buffer.getvalue()


# ---- a toy bot with one command per thing the fake must handle --------------------------------


class Counter(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)  # no timeout task left pending when the bot closes
        self.count = 0

    @discord.ui.button(label="Add one", custom_id="counter:add")
    async def add(
        self, interaction: discord.Interaction, button: discord.ui.Button[Counter]
    ) -> None:
        self.count += 1
        await interaction.response.edit_message(content=f"Count: {self.count}", view=self)

    @discord.ui.button(label="Later", custom_id="counter:later")
    async def later(
        self, interaction: discord.Interaction, button: discord.ui.Button[Counter]
    ) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="Edited later")


class Feedback(discord.ui.Modal, title="Feedback"):
    text: discord.ui.TextInput[Feedback] = discord.ui.TextInput(
        label="Your words", custom_id="feedback:text"
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Thanks: {self.text.value}", ephemeral=True)


class ToyBot(commands.Bot):
    def __init__(self, sync_guild: int | None = None) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            help_command=None,
        )
        self.sync_guild = sync_guild
        self.errors: list[BaseException] = []
        self.error_seen = asyncio.Event()
        self.slow_delay = 0.0
        self.slow_done = asyncio.Event()
        self.release = asyncio.Event()

    async def setup_hook(self) -> None:
        for command in TOY_COMMANDS:
            self.tree.add_command(command)
        self.tree.on_error = self.record_error  # type: ignore[method-assign]
        if self.sync_guild is None:
            await self.tree.sync()
        else:
            guild = discord.Object(self.sync_guild)
            self.tree.copy_global_to(guild=guild)
            self.tree.clear_commands(guild=None)
            await self.tree.sync(guild=guild)

    async def record_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        self.errors.append(
            error.original if isinstance(error, app_commands.CommandInvokeError) else error
        )
        self.error_seen.set()


def toy(interaction: discord.Interaction) -> ToyBot:
    return cast(ToyBot, interaction.client)


@app_commands.command(description="Answers pong")
async def ping(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("pong")


@app_commands.command(description="Only you can see this")
async def secret(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("just for you", ephemeral=True)


@app_commands.command(description="Thinks, then sends a chart")
async def chart(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.followup.send(
        "Here it is", file=discord.File(io.BytesIO(tiny_png()), "chart.png")
    )


@app_commands.command(description="A counter with buttons")
async def counter(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("Count: 0", view=Counter())


@app_commands.command(description="Gap to the target")
@app_commands.describe(country="Member country", year="Year")
async def gap(
    interaction: discord.Interaction, country: str, year: app_commands.Range[int, 2014, 2030] = 2024
) -> None:
    await interaction.response.send_message(f"{country} {year}")


@gap.autocomplete("country")
async def country_names(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=c, value=c) for c in COUNTRIES if current.lower() in c.lower()]


@app_commands.command(description="Autocompletes too many choices")
async def many(interaction: discord.Interaction, pick: str) -> None:
    await interaction.response.send_message(pick)


@many.autocomplete("pick")
async def thirty(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=f"choice {n}", value=str(n)) for n in range(30)]


settings = app_commands.Group(name="settings", description="Settings")
display = app_commands.Group(name="display", description="Display settings", parent=settings)


@settings.command(description="Set the target")
async def target(interaction: discord.Interaction, value: float) -> None:
    await interaction.response.send_message(f"target={value}")


@display.command(description="Pick a theme")
async def theme(interaction: discord.Interaction, name: Literal["dark", "light"]) -> None:
    await interaction.response.send_message(f"theme={name}")


@app_commands.command(description="An embed over Discord's limit")
async def bigembed(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(embed=discord.Embed(description="x" * 5000))


@app_commands.command(description="Answers after a delay")
async def slow(interaction: discord.Interaction) -> None:
    try:
        await asyncio.sleep(toy(interaction).slow_delay)
        await interaction.response.send_message("finally")
    finally:
        toy(interaction).slow_done.set()


@app_commands.command(description="Waits for the test to release it")
async def hold(interaction: discord.Interaction) -> None:
    await toy(interaction).release.wait()
    await interaction.response.send_message("released")


@app_commands.command(description="Never answers")
async def silent(interaction: discord.Interaction) -> None:
    return None


@app_commands.command(description="Who am I to the bot")
async def whoami(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(
        f"{interaction.user.name} manage_guild={interaction.permissions.manage_guild} "
        f"bot_embeds={interaction.app_permissions.embed_links} locale={interaction.locale.value}"
    )


@app_commands.command(description="Admins only")
@app_commands.default_permissions(manage_guild=True)
async def admin(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("admin ok")


@app_commands.command(description="Reads an uploaded file")
async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
    data = await file.read()
    await interaction.response.send_message(
        f"{file.filename}: {len(data)} bytes, starts {data[:3]!r}"
    )


@app_commands.command(description="Opens a modal")
async def feedback(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(Feedback())


@app_commands.command(description="Posts in a channel")
async def announce(interaction: discord.Interaction, channel: discord.TextChannel) -> None:
    resolved = interaction.client.get_channel(channel.id)
    assert isinstance(resolved, discord.TextChannel)
    await resolved.send("Hello, channel")
    await interaction.response.send_message("sent", ephemeral=True)


@app_commands.command(description="A counter only you can see, after thinking")
async def mycounter(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True, ephemeral=True)
    await interaction.followup.send("Count: 0", view=Counter(), ephemeral=True)


TOY_COMMANDS: list[app_commands.Command[Any, ..., Any] | app_commands.Group] = [
    ping,
    secret,
    mycounter,
    chart,
    counter,
    gap,
    many,
    settings,
    bigembed,
    slow,
    hold,
    silent,
    whoami,
    admin,
    upload,
    feedback,
    announce,
]


# ---- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A running, patched fake with one guild; fails the test on unexpected violations."""
    async with running_fake() as fake:
        fake.add_guild("Test", channels=["general", "news"])
        yield fake


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[ToyBot]:
    toy_bot = ToyBot()
    async with fake.running(toy_bot):
        yield toy_bot


async def answered(interaction: FakeInteraction) -> str:
    response = await interaction.response()
    assert response.accepted, response.error
    return response.content


# ---- login, READY, sync -------------------------------------------------------------------------


async def test_bare_bot_logs_in_gets_ready_and_syncs(fake: FakeDiscord) -> None:
    async with running_bare_bot(fake) as bare:
        assert [g.name for g in bare.guilds] == ["Test"]
        assert bare.application_id == fake.application_id
        assert bare.user is not None and bare.user.id == fake.bot_user.id
    assert [c["name"] for c in fake.commands()] == ["ping"]
    assert [(r.method, r.path) for r in fake.requests[:2]] == [
        ("GET", "/users/@me"),
        ("GET", "/oauth2/applications/@me"),
    ]
    assert ("GET", "/gateway/bot") in [(r.method, r.path) for r in fake.requests]
    identify = fake.identify_payloads[0]
    assert identify["token"] == "fake-token"
    assert identify["shard"] == [0, 1]
    assert fake.sessions[0].compression == "zlib-stream"


async def test_ping_is_answered_pong_through_the_callback_endpoint(fake: FakeDiscord) -> None:
    async with running_bare_bot(fake):
        interaction = await fake.invoke("ping")
        response = await interaction.response()
    assert (response.type, response.content, response.ephemeral) == (4, "pong", False)
    assert interaction.message is not None and interaction.message.content == "pong"
    callback = interaction.requests[0]
    assert callback.path == f"/interactions/{interaction.id}/{interaction.token}/callback"
    assert callback.query == {"with_response": "1"}
    assert interaction.latency is not None and interaction.latency >= 0


async def test_bad_token_fails_login_with_login_failure(fake: FakeDiscord) -> None:
    with pytest.raises(discord.LoginFailure):
        async with fake.running(BareBot(), token="bad-token"):
            pass
    assert [(r.path, r.status) for r in fake.requests] == [("/users/@me", 401)]
    assert not fake.sessions


async def test_guild_sync_puts_commands_in_the_guild_and_interactions_name_it(
    fake: FakeDiscord,
) -> None:
    guild = next(iter(fake.guilds.values()))
    async with fake.running(ToyBot(sync_guild=guild.id)):
        assert fake.commands() == []
        assert "ping" in [c["name"] for c in fake.commands(guild)]
        interaction = await fake.invoke("ping")
        assert await answered(interaction) == "pong"
    assert interaction.payload["data"]["guild_id"] == str(guild.id)


class QuickShardedBot(BareBot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s pause between shards' IDENTIFYs: the fake has no identify rate limit."""


async def test_sharded_bot_gets_every_guild_and_answers_in_each() -> None:
    async with running_fake(shard_count=2) as fake:
        guilds = [fake.add_guild(f"Guild {n}") for n in range(4)]
        async with fake.running(QuickShardedBot()) as bare:
            assert isinstance(bare, QuickShardedBot) and bare.shard_count == 2
            assert sorted(fake.sessions) == [0, 1]
            assert sorted(g.id for g in bare.guilds) == sorted(g.id for g in guilds)
            for guild in guilds:
                assert await answered(await fake.invoke("ping", guild=guild)) == "pong"
        assert sorted(p["shard"][0] for p in fake.identify_payloads) == [0, 1]


async def test_a_dropped_connection_is_resumed(fake: FakeDiscord, bot: ToyBot) -> None:
    session_id = fake.sessions[0].session_id
    await fake.drop_connection(0)
    assert fake.sessions[0].session_id == session_id
    assert await answered(await fake.invoke("ping")) == "pong"


# ---- responses of every kind ----------------------------------------------------------------


async def test_ephemeral_reply(fake: FakeDiscord, bot: ToyBot) -> None:
    interaction = await fake.invoke("secret")
    response = await interaction.response()
    assert response.ephemeral
    assert interaction.ephemeral and interaction.content == "just for you"


async def test_deferred_reply_then_followup_carries_the_png(fake: FakeDiscord, bot: ToyBot) -> None:
    interaction = await fake.invoke("chart")
    assert (await interaction.response()).type == 5
    final = await interaction.final_message()
    assert final.content == "Here it is"
    assert not final.loading and not final.ephemeral
    assert interaction.original is not None and final.id == interaction.original.id
    [png] = final.attachments
    assert png.filename == "chart.png"
    assert png.data.startswith(PNG_SIGNATURE)
    assert interaction.files == [png]
    followup = [
        r for r in interaction.requests if r.method == "POST" and r.path.startswith("/webhooks/")
    ]
    assert followup[0].query["wait"] == "1"  # discord.py waits for the message back
    assert followup[0].files[0].data == png.data


async def test_files_are_served_back_like_the_cdn(fake: FakeDiscord, bot: ToyBot) -> None:
    interaction = await fake.invoke("chart")
    [png] = (await interaction.final_message()).attachments
    async with aiohttp.ClientSession() as session, session.get(png.url) as response:
        assert await response.read() == png.data


async def test_button_click_edits_the_message(fake: FakeDiscord, bot: ToyBot) -> None:
    interaction = await fake.invoke("counter")
    message = await interaction.final_message()
    assert message.custom_ids() == ["counter:add", "counter:later"]
    first = await fake.click(message, "counter:add")
    assert (await first.response()).type == 7
    second = await fake.click(message, "counter:add")
    await second.response()
    assert fake.messages[message.id].content == "Count: 2"
    assert second.payload["message"]["id"] == str(message.id)


async def test_buttons_on_an_ephemeral_message_work_for_its_user_only(
    fake: FakeDiscord, bot: ToyBot
) -> None:
    message = await (await fake.invoke("mycounter")).final_message()
    assert message.ephemeral and message.interaction_user == fake.tester
    await (await fake.click(message, "counter:add")).response()
    assert fake.messages[message.id].content == "Count: 1"
    with pytest.raises(FakeDiscordError, match="only the user who got an ephemeral message"):
        await fake.click(message, "counter:add", user=fake.owner)
    assert fake.messages[message.id].content == "Count: 1"


async def test_deferred_update_then_edit_of_original(fake: FakeDiscord, bot: ToyBot) -> None:
    message = await (await fake.invoke("counter")).final_message()
    click = await fake.click(message, "counter:later")
    assert (await click.response()).type == 6
    edited = await click.final_message()
    assert edited.id == message.id
    assert edited.content == "Edited later"


async def test_click_needs_a_real_component(fake: FakeDiscord, bot: ToyBot) -> None:
    message = await (await fake.invoke("counter")).final_message()
    with pytest.raises(KeyError, match="counter:nope"):
        await fake.click(message, "counter:nope")


async def test_autocomplete_returns_the_bots_choices(fake: FakeDiscord, bot: ToyBot) -> None:
    choices = await fake.autocomplete("gap", {"country": "pol"}, focused="country")
    assert choices == [{"name": "Poland", "value": "Poland"}]
    focused = fake.last_interaction.payload["data"]["options"][0]
    assert focused == {"name": "country", "type": 3, "value": "pol", "focused": True}


async def test_subcommand_and_subcommand_group_options(fake: FakeDiscord, bot: ToyBot) -> None:
    assert await answered(await fake.invoke("/settings target", {"value": 3.5})) == "target=3.5"
    assert (
        await answered(await fake.invoke("settings display theme", {"name": "dark"}))
        == "theme=dark"
    )
    with pytest.raises(FakeDiscordError, match="is a group"):
        await fake.invoke("settings")
    with pytest.raises(FakeDiscordError, match="not one of the choices"):
        await fake.invoke("settings display theme", {"name": "blue"})


async def test_invocations_follow_the_synced_schema(fake: FakeDiscord, bot: ToyBot) -> None:
    with pytest.raises(FakeDiscordError, match="not synced"):
        await fake.invoke("nope")
    with pytest.raises(FakeDiscordError, match="no option"):
        await fake.invoke("gap", {"country": "Spain", "colour": "red"})
    with pytest.raises(FakeDiscordError, match="cannot send"):
        await fake.invoke("gap", {"country": "Spain", "year": "2024"})
    with pytest.raises(FakeDiscordError, match="below min_value"):
        await fake.invoke("gap", {"country": "Spain", "year": 1990})
    with pytest.raises(FakeDiscordError, match="required"):
        await fake.invoke("gap", {"year": 2024})
    assert (
        await answered(await fake.invoke("gap", {"country": "Spain", "year": 2025})) == "Spain 2025"
    )


async def test_member_permissions_and_locale_reach_the_bot(fake: FakeDiscord, bot: ToyBot) -> None:
    guild = next(iter(fake.guilds.values()))
    boss = fake.add_member(guild, name="boss", permissions=discord.Permissions(manage_guild=True))
    plain = await answered(await fake.invoke("whoami", locale="fr"))
    assert plain == "tester manage_guild=False bot_embeds=True locale=fr"
    assert "boss manage_guild=True" in await answered(await fake.invoke("whoami", user=boss))
    overridden = await fake.invoke("whoami", permissions=discord.Permissions(manage_guild=True))
    assert "tester manage_guild=True" in await answered(overridden)


async def test_default_member_permissions_hide_a_command(fake: FakeDiscord, bot: ToyBot) -> None:
    guild = next(iter(fake.guilds.values()))
    with pytest.raises(FakeDiscordError, match="default_member_permissions"):
        await fake.invoke("admin")
    boss = fake.add_member(guild, name="boss", permissions=discord.Permissions(manage_guild=True))
    assert await answered(await fake.invoke("admin", user=boss)) == "admin ok"
    assert await answered(await fake.invoke("admin", permission_override=True)) == "admin ok"


async def test_attachment_option_can_be_downloaded_by_the_bot(
    fake: FakeDiscord, bot: ToyBot
) -> None:
    csv = fake.upload("data.csv", b"a,b\n1,2\n", "text/csv")
    assert (
        await answered(await fake.invoke("upload", {"file": csv}))
        == "data.csv: 8 bytes, starts b'a,b'"
    )


async def test_modal_opens_and_its_submission_reaches_the_bot(
    fake: FakeDiscord, bot: ToyBot
) -> None:
    opened = await fake.invoke("feedback")
    assert (await opened.response()).type == 9
    assert opened.modal is not None and opened.modal["title"] == "Feedback"
    submitted = await fake.submit_modal(opened, {"feedback:text": "Great"})
    response = await submitted.response()
    assert (response.content, response.ephemeral) == ("Thanks: Great", True)


async def test_bot_posts_in_a_channel_over_rest(fake: FakeDiscord, bot: ToyBot) -> None:
    news = next(iter(fake.guilds.values())).channel("news")
    assert await answered(await fake.invoke("announce", {"channel": news})) == "sent"
    assert [m.content for m in fake.channel_messages(news)] == ["Hello, channel"]


async def test_command_in_a_dm(fake: FakeDiscord, bot: ToyBot) -> None:
    interaction = await fake.invoke("ping", dm=True)
    assert await answered(interaction) == "pong"
    assert "guild_id" not in interaction.payload
    assert interaction.payload["user"]["id"] == str(fake.tester.id)


# ---- Discord's rules, enforced --------------------------------------------------------------


async def test_too_long_embed_is_refused_with_invalid_form_body(
    fake: FakeDiscord, bot: ToyBot
) -> None:
    interaction = await fake.invoke("bigembed")
    response = await interaction.response()
    assert response.status == 400
    assert response.error is not None and response.error["code"] == 50035
    assert "_errors" in response.error["errors"]["data"]["embeds"]["0"]["description"]
    [violation] = fake.take_violations("invalid_form_body")
    assert "Must be 4096 or fewer" in violation.message
    await asyncio.wait_for(bot.error_seen.wait(), 60)  # a deadline to fail by, not a pace
    [error] = bot.errors
    assert isinstance(error, discord.HTTPException) and error.code == 50035


async def test_late_first_response_is_unknown_interaction(fake: FakeDiscord, bot: ToyBot) -> None:
    fake.response_deadline = 0.1
    bot.slow_delay = 0.3
    interaction = await fake.invoke("slow")
    response = await interaction.response()
    await bot.slow_done.wait()
    assert (response.status, response.error) == (
        404,
        {"code": 10062, "message": "Unknown interaction"},
    )
    [violation] = fake.take_violations("late_response")
    assert "/slow answered after" in violation.message


async def test_second_callback_is_already_acknowledged(fake: FakeDiscord, bot: ToyBot) -> None:
    interaction = await fake.invoke("ping")
    await answered(interaction)
    url = f"{fake.api_base}/interactions/{interaction.id}/{interaction.token}/callback"
    again = {"type": 4, "data": {"content": "again"}}
    async with aiohttp.ClientSession() as session, session.post(url, json=again) as response:
        body = await response.json()
    assert (response.status, body["code"]) == (400, 40060)
    assert len(fake.take_violations("already_acknowledged")) == 1


async def test_followup_before_any_response_is_refused(fake: FakeDiscord, bot: ToyBot) -> None:
    interaction = await fake.invoke("hold")
    url = f"{fake.api_base}/webhooks/{fake.application_id}/{interaction.token}?wait=true"
    early = {"content": "too early"}
    async with aiohttp.ClientSession() as session, session.post(url, json=early) as response:
        body = await response.json()
    bot.release.set()
    assert (response.status, body["code"]) == (404, 10015)
    assert await answered(interaction) == "released"
    assert len(fake.take_violations("not_acknowledged")) == 1


async def test_too_many_autocomplete_choices_are_refused(fake: FakeDiscord, bot: ToyBot) -> None:
    choices = await fake.autocomplete("many", {"pick": ""}, focused="pick")
    assert len(choices) == 30
    assert fake.last_interaction.callbacks[0].status == 400
    [violation] = fake.take_violations("invalid_form_body")
    assert "Must be 25 or fewer" in violation.message


async def test_an_unanswered_interaction_fails_clearly(fake: FakeDiscord, bot: ToyBot) -> None:
    interaction = await fake.invoke("silent")
    with pytest.raises(AssertionError, match="/silent: no interaction response"):
        await interaction.response(timeout=0.2)


async def test_fixture_fails_the_test_on_a_violation_left_behind() -> None:
    with pytest.raises(AssertionError, match="broke Discord's rules"):
        async with running_fake() as fake:
            fake.violations.append(Violation("invalid_form_body", "content too long"))


# ---- gateway framing ------------------------------------------------------------------------


async def test_gateway_speaks_plain_text_or_zlib_stream(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(fake.gateway_url + "?v=10&encoding=json") as ws:
            plain = await ws.receive()
        async with session.ws_connect(
            fake.gateway_url + "?v=10&encoding=json&compress=zlib-stream"
        ) as ws:
            packed = await ws.receive()
    assert plain.type is aiohttp.WSMsgType.TEXT and '"op":10' in plain.data
    assert packed.type is aiohttp.WSMsgType.BINARY and packed.data.endswith(b"\x00\x00\xff\xff")
    assert b'"op":10' in zlib.decompressobj().decompress(packed.data)


# ---- the limits themselves ------------------------------------------------------------------


def embed(**fields: object) -> dict[str, object]:
    return {"embeds": [fields]}


AT_THE_LIMITS = {
    "content": "x" * 2000,
    "embeds": [
        {
            "title": "t" * 256,
            "description": "d" * 1000,
            "fields": [{"name": "n", "value": "v" * 100} for _ in range(25)],
            "footer": {"text": "f" * 100},
            "author": {"name": "a" * 256},
            "image": {"url": "attachment://chart.png"},
        }
    ],
    "components": [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 1, "custom_id": f"{r}{b}" + "c" * 98} for b in range(5)
            ],
        }
        for r in range(5)
    ],
}


def test_a_message_at_every_limit_passes() -> None:
    assert limits.check_message(AT_THE_LIMITS) == []


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"content": "x" * 2001}, "content"),
        ({"embeds": [{"description": "x"}] * 11}, "embeds"),
        (embed(title="t" * 257), "embeds.0.title"),
        (embed(description="d" * 4097), "embeds.0.description"),
        (embed(fields=[{"name": "n", "value": "v"}] * 26), "embeds.0.fields"),
        (embed(fields=[{"name": "n" * 257, "value": "v"}]), "embeds.0.fields.0.name"),
        (embed(fields=[{"name": "n", "value": "v" * 1025}]), "embeds.0.fields.0.value"),
        (embed(fields=[{"name": "n", "value": ""}]), "embeds.0.fields.0.value"),
        (embed(footer={"text": "f" * 2049}), "embeds.0.footer.text"),
        (embed(author={"name": "a" * 257}), "embeds.0.author.name"),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, "embeds"),
        (embed(image={"url": "/tmp/chart.png"}), "embeds.0.image.url"),
        (
            {"components": [{"type": 1, "components": [{"type": 2, "custom_id": "b"}]}] * 6},
            "components",
        ),
        (
            {
                "components": [
                    {"type": 1, "components": [{"type": 2, "custom_id": str(n)} for n in range(6)]}
                ]
            },
            "components.0.components",
        ),
        (
            {"components": [{"type": 1, "components": [{"type": 2, "custom_id": "c" * 101}]}]},
            "components.custom_id",
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 2, "custom_id": "same"},
                            {"type": 2, "custom_id": "same"},
                        ],
                    }
                ]
            },
            "components.custom_id",
        ),
    ],
)
def test_over_a_limit_is_refused_at_its_field(payload: dict[str, object], path: str) -> None:
    assert path in [".".join(e.path) for e in limits.check_message(payload)]


def test_autocomplete_choice_limits() -> None:
    fine = [{"name": "n" * 100, "value": "v" * 100}] * 25
    assert limits.check_choices(fine, 3) == []
    assert limits.check_choices(fine + fine[:1], 3)
    assert limits.check_choices([{"name": "", "value": "v"}], 3)
    assert limits.check_choices([{"name": "n" * 101, "value": "v"}], 3)
    assert limits.check_choices([{"name": "n", "value": "2024"}], 4)


def test_file_size_limit() -> None:
    assert limits.check_file_sizes([("ok.png", 25 * 1024 * 1024)]) == []
    assert limits.check_file_sizes([("big.png", 25 * 1024 * 1024 + 1)])


def test_discord_error_json_nests_by_field_path() -> None:
    errors = limits.check_message({"content": "x" * 2001}, ("data",))
    assert limits.errors_json(errors) == {
        "data": {
            "content": {
                "_errors": [
                    {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}
                ]
            }
        }
    }


# ---- command localisations --------------------------------------------------------------------


class GermanName(app_commands.Translator):
    """Gives every command this German name, and nothing else."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        command_name = app_commands.TranslationContextLocation.command_name
        if locale is discord.Locale.german and context.location is command_name:
            return self.name
        return None


async def test_a_bad_name_localisation_fails_the_sync_like_a_bad_name(fake: FakeDiscord) -> None:
    async with running_bare_bot(fake) as bare:
        await bare.tree.set_translator(GermanName("Ping Befehl"))
        with pytest.raises(app_commands.CommandSyncFailure):
            await bare.tree.sync()
        [violation] = fake.take_violations("invalid_command")
        assert violation.detail == ["0.name_localizations.de: Invalid name 'Ping Befehl'"]
        await bare.tree.set_translator(GermanName("anpingen"))
        await bare.tree.sync()
    [ping] = fake.commands()
    assert ping["name_localizations"] == {"de": "anpingen"}


def command(**fields: object) -> dict[str, object]:
    return {"name": "gap", "description": "How far", "type": 1, **fields}


def option(**fields: object) -> dict[str, object]:
    return {"name": "year", "description": "Year", "type": 4, **fields}


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        (command(name_localizations={"de": "Lücke"}), "name_localizations.de"),
        (command(name_localizations={"de": "zwei wörter"}), "name_localizations.de"),
        (command(name_localizations={"pl": "l" * 33}), "name_localizations.pl"),
        (command(name_localizations={"pl": ""}), "name_localizations.pl"),
        (command(name_localizations={"xx": "gap"}), "name_localizations.xx"),
        (command(description_localizations={"fr": ""}), "description_localizations.fr"),
        (command(description_localizations={"fr": "d" * 101}), "description_localizations.fr"),
        (
            command(options=[option(name_localizations={"tr": "Yıl"})]),
            "options.0.name_localizations.tr",
        ),
        (
            command(options=[option(description_localizations={"it": "a" * 101})]),
            "options.0.description_localizations.it",
        ),
        (
            command(
                options=[
                    option(
                        choices=[
                            {"name": "2024", "value": 2024, "name_localizations": {"nl": "n" * 101}}
                        ]
                    )
                ]
            ),
            "options.0.choices.0.name_localizations.nl",
        ),
        (
            command(
                options=[
                    option(name_localizations={"de": "jahr"}),
                    option(name="release", name_localizations={"de": "jahr"}),
                ]
            ),
            "options",
        ),
    ],
)
def test_a_bad_localisation_is_refused_at_its_field(payload: dict[str, object], path: str) -> None:
    assert path in [".".join(e.path) for e in limits.check_command(payload, ())]


@pytest.mark.parametrize(
    "localised",
    [
        {"tr": "yeniden-yükle", "pl": "przywróć", "el": "σύνοψη", "bg": "обобщение"},
        {"hi": "सारांश", "th": "สรุป"},  # Devanagari and Thai vowel signs are marks, not letters
        {"fr": "aujourd'hui"},
    ],
)
def test_localised_names_discord_accepts(localised: dict[str, str]) -> None:
    assert limits.check_command(command(name_localizations=localised), ()) == []


def test_command_names_must_differ_in_every_locale() -> None:
    first = command(name="summary", name_localizations={"de": "überblick"})
    second = command(name="overview", name_localizations={"de": "überblick"})
    [error] = limits.check_unique_names([first, second], ())
    assert "'überblick' in de" in error.message
    assert limits.check_unique_names([first, command(name="ranking")], ()) == []

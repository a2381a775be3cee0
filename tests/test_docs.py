"""The docs keep up with the code: every setting, WebSocket command and SDK method is documented."""

import re
from pathlib import Path

from chat import settings
from chat.ws import commands

ROOT = Path(__file__).resolve().parent.parent


def read(name: str) -> str:
    return (ROOT / name).read_text()


def test_every_setting_is_in_the_readme_and_env_example():
    readme, example = read("README.md"), read(".env.example")
    for name in settings.documented_names():
        assert f"`{name}`" in readme, f"{name} missing from README.md"
        assert re.search(rf"^#? ?{name}=", example, re.MULTILINE), f"{name} missing from .env.example"


def test_every_command_is_in_the_protocol_doc():
    protocol = read("docs/protocol.md")
    for name in commands.COMMANDS:
        assert f"`{name}`" in protocol, f"command {name} missing from docs/protocol.md"


def test_every_public_sdk_method_is_in_the_sdk_doc():
    source, sdk = read("static/js/twilio-chat.js"), read("docs/sdk.md")
    public = r"(?:Client|Channel|Message|Member|User|Paginator|ChannelDescriptor|Media|AccessManager|LegacyClient)"
    methods = set(re.findall(rf"\b{public}\.prototype\.([a-z]\w*) = ", source)) | {"create"}
    assert {"getMessages", "sendMessage", "advanceLastConsumedMessageIndex", "updateFriendlyName"} <= methods
    for method in methods - {"on", "off", "once", "emit", "addListener", "removeListener", "removeAllListeners"}:
        assert f"{method}(" in sdk, f"{method} missing from docs/sdk.md"


def test_the_readme_starts_with_the_two_commands():
    first_block = read("README.md").split("```")[1]
    assert "make run" in first_block and "make test" in first_block

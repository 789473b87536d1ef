"""The scenario of the SDK tests, with the Python `letta-client` from PyPI (1.12.1), over HTTP.

Usage: python scenario.py BASE_URL API_KEY

The server (tests/sdk/python.test.mjs) programs the scripted models `scripted/worker` and
`scripted/boss` before this runs. Exits 0 when every check passed; prints what failed otherwise.
"""

import sys

import letta_client
from letta_client import Letta

BASE_URL, API_KEY = sys.argv[1], sys.argv[2]
MISSING_AGENT = "agent-123e4567-e89b-42d3-8456-426614174000"

client = Letta(base_url=BASE_URL, api_key=API_KEY, max_retries=0, timeout=30)


def labels(blocks):
    return sorted(b.label for b in blocks)


def expect_error(cls, status, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except cls as err:
        assert err.status_code == status, (cls.__name__, err.status_code, err)
        assert isinstance(err.body, dict) and isinstance(err.body.get("detail"), str), err.body
        return err
    raise AssertionError(f"expected {cls.__name__} ({status})")


# ---- auth
expect_error(
    letta_client.AuthenticationError,
    401,
    Letta(base_url=BASE_URL, api_key="wrong", max_retries=0).blocks.list,
)

# ---- blocks CRUD
org = client.blocks.create(
    label="organization",
    description="Shared information between all agents within the organization.",
    value="Nothing here yet.",
)
assert org.id.startswith("block-"), org.id
assert client.blocks.retrieve(org.id).label == "organization"
updated = client.blocks.update(org.id, description="The org.")
assert updated.description == "The org." and updated.value == "Nothing here yet."
assert [b.id for b in client.blocks.list(label="organization").items] == [org.id]
temp = client.blocks.create(label="temp", value="x")
client.blocks.delete(temp.id)
expect_error(letta_client.NotFoundError, 404, client.blocks.retrieve, temp.id)

# ---- agents with memory blocks and a shared block id, tags
worker = client.agents.create(
    name="worker",
    model="scripted/worker",
    memory_blocks=[{"label": "persona", "value": "I am a worker"}],
    block_ids=[org.id],
    tags=["team", "worker"],
)
boss = client.agents.create(
    name="boss",
    model="scripted/boss",
    memory_blocks=[{"label": "persona", "value": "I am a supervisor"}],
    block_ids=[org.id],
    tags=["team", "boss"],
)
assert labels(worker.memory.blocks) == ["organization", "persona"]
assert [b.id for b in boss.memory.blocks if b.label == "organization"] == [org.id]
assert sorted(a.name for a in client.agents.list(tags=["team"])) == ["boss", "worker"]
assert [a.name for a in client.agents.list(tags=["team", "boss"], match_all_tags=True)] == ["boss"]
assert sorted(a.name for a in client.blocks.agents.list(org.id)) == ["boss", "worker"]

# ---- attach / detach, core memory by label
notes = client.blocks.create(label="notes", value="n")
attached = client.agents.blocks.attach(notes.id, agent_id=boss.id)
assert labels(attached.memory.blocks) == ["notes", "organization", "persona"]
assert labels(client.agents.blocks.list(boss.id)) == ["notes", "organization", "persona"]
detached = client.agents.blocks.detach(notes.id, agent_id=boss.id)
assert labels(detached.memory.blocks) == ["organization", "persona"]
persona = client.agents.blocks.update("persona", agent_id=boss.id, value="I am the boss")
assert persona.value == "I am the boss"
assert client.agents.blocks.retrieve("persona", agent_id=boss.id).value == "I am the boss"

# ---- a message run on the scripted model: the worker edits the shared block
res = client.agents.messages.create(worker.id, messages=[{"role": "user", "content": "We are Letta."}])
types = [m.message_type for m in res.messages]
assert types == ["tool_call_message", "tool_return_message", "assistant_message"], types
assert res.stop_reason.stop_reason == "end_turn"
assert res.messages[-1].content == "Noted."
assert client.agents.blocks.retrieve("organization", agent_id=boss.id).value == "Organization: Letta"

# ---- streamed runs
events = list(client.agents.messages.stream(boss.id, messages=[{"role": "user", "content": "hi"}]))
types = [e.message_type for e in events]
assert types == ["reasoning_message", "assistant_message", "stop_reason", "usage_statistics"], types
assert events[1].content == "Hello team"
events = list(client.agents.messages.create(boss.id, messages=[{"role": "user", "content": "again"}], streaming=True))
assert [e.message_type for e in events] == ["assistant_message", "stop_reason", "usage_statistics"]
history = [m.message_type for m in client.agents.messages.list(boss.id, limit=2)]
assert "user_message" in history and "assistant_message" in history, history

# ---- custom tools
tool = client.tools.create(
    source_code='def roll_dice(sides: int) -> str:\n    """Roll a die.\n\n    Args:\n        sides: number of sides\n    """\n    return "4"\n'
)
assert tool.name == "roll_dice"
assert [t.id for t in client.tools.list(name="roll_dice").items] == [tool.id]
client.agents.tools.attach(tool.id, agent_id=worker.id)
assert "roll_dice" in [t.name for t in client.agents.tools.list(worker.id)]

# ---- pagination: iterating a page walks every page (after = last id)
for i in range(5):
    client.blocks.create(label=f"page-{i}", value=str(i))
everything = [b.id for b in client.blocks.list(limit=1000).items]
walked = [b.id for b in client.blocks.list(limit=2)]
assert walked == everything, (walked, everything)
pages = list(client.blocks.list(limit=2).iter_pages())
assert len(pages) == (len(everything) + 1) // 2 + 1, len(pages)

# ---- each error status
expect_error(letta_client.BadRequestError, 400, client.blocks.create, label="tiny", value="x" * 20, limit=5)
expect_error(letta_client.NotFoundError, 404, client.agents.retrieve, MISSING_AGENT)
dup = client.blocks.create(label="persona", value="another")
expect_error(letta_client.ConflictError, 409, client.agents.blocks.attach, dup.id, agent_id=worker.id)
expect_error(letta_client.UnprocessableEntityError, 422, client.blocks.retrieve, "not-a-block-id")
expect_error(letta_client.UnprocessableEntityError, 422, client.agents.create, name=42)

# ---- reset
reset = client.agents.messages.reset(boss.id, add_default_initial_messages=False)
assert reset.id == boss.id

print(f"python letta-client {letta_client.__version__}: scenario passed")

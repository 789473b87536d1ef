// The demo team (seed 004), shared by the page (app.js) and the tests: the five shared blocks are
// created once and attached to all four agents by id; the coordinator gets a `team` roster block
// with the workers' ids and the multi-agent tools.
import { ROLES, WORKERS, SHARED, INITIAL } from './brains.js';

export const TAG = 'www-demo';

const LIMITS = { tasks: 10000, requests: 5000, escalations: 3000, workspace: 15000, feedback: 10000 };
const DESCRIPTIONS = {
  tasks: 'Task assignments and status, JSON, one task per line. Shared by the whole team.',
  requests: 'Pending inter-agent requests ([open] / [resolved]).',
  escalations: 'Issues requiring the coordinator.',
  workspace: 'Shared outputs and deliverables: one "## <task id> (<role>)" section per task.',
  feedback: 'Team learnings and best practices.',
};
const PERSONAS = {
  coordinator:
    'I am the coordinator. For a new task I write three tasks onto the `tasks` board with memory_rethink (research -> researcher, ' +
    'implementation -> coder, review -> reviewer; ids continue the board; depends_on chains them), escalate vague asks in ' +
    '`escalations`, hand each ready task to its worker with send_message_to_agent_and_wait_for_reply (ids in my `team` block), ' +
    'record a learning in `feedback` when all are done, and answer with a summary.',
  researcher:
    'I am the researcher. I take my ready task on the `tasks` board, append my findings to `workspace` as "## <id> (researcher)" ' +
    'with "- " lines, set its status to "done" with memory_replace on its line, and reply in one line.',
  coder:
    'I am the coder. I take my ready task, append the code to `workspace` as "## <id> (coder)", add "- [open] <id>: coder -> reviewer: ' +
    'please review ..." to `requests`, set the task "done" with memory_replace, and reply in one line.',
  reviewer:
    'I am the reviewer. I review the code of the task mine depends on, append "## <id> (reviewer)" with APPROVED or CHANGES REQUESTED ' +
    'to `workspace`, mark its request [resolved] in `requests`, add a best practice to `feedback`, set my task "done", and reply.',
};

/** The team's agents and blocks by role/label, or null when there is none in this store yet. */
export async function findTeam(client) {
  const agents = await client.agents.list({ tags: [TAG] });
  if (agents.length < ROLES.length) return null;
  const byRole = Object.fromEntries(ROLES.map((r) => [r, agents.find((a) => a.name === r)]));
  if (ROLES.some((r) => !byRole[r])) return null;
  const blocks = {};
  for (const b of byRole.coordinator.memory?.blocks ?? byRole.coordinator.blocks ?? []) if (SHARED.includes(b.label)) blocks[b.label] = b.id;
  return { agents: byRole, blocks };
}

/** Creates the blocks (once) and the four agents; `modelOf(role)` gives each agent's model. */
export async function createTeam(client, modelOf) {
  const blocks = {};
  for (const label of SHARED) {
    const b = await client.blocks.create({ label, value: INITIAL[label], limit: LIMITS[label], description: DESCRIPTIONS[label] });
    blocks[label] = b.id;
  }
  const blockIds = SHARED.map((l) => blocks[l]);
  const agents = {};
  for (const role of WORKERS) {
    agents[role] = await client.agents.create({
      name: role,
      model: modelOf(role),
      tags: [TAG, role],
      memoryBlocks: [{ label: 'persona', value: PERSONAS[role] }],
      blockIds,
      tools: ['core_memory_append', 'memory_rethink'],
    });
  }
  const roster = WORKERS.map((r) => `${r}: ${agents[r].id}`).join('\n');
  agents.coordinator = await client.agents.create({
    name: 'coordinator',
    model: modelOf('coordinator'),
    tags: [TAG, 'coordinator'],
    memoryBlocks: [
      { label: 'persona', value: PERSONAS.coordinator },
      { label: 'team', value: roster, description: 'My workers: role: agent id.' },
    ],
    blockIds,
    tools: ['core_memory_append', 'memory_rethink'],
    includeMultiAgentTools: true,
  });
  return { agents, blocks };
}

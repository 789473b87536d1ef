// Seed 002 ("Why Multi-Agent in Letta?"): an orchestrator with specialist agents, a shared project
// block, agents as tools, the editorial pipeline, and agents running in parallel.
//
//   node examples/seeds/orchestrator.mjs [--json] [--scripted]
//
// The team: two researchers (one per assigned topic, so both can work at once), a writer, an editor
// and an orchestrator, all sharing the seed's `project_memory` block (Assigned Topics / Research
// Complete / Articles Written); the researchers also share a read-only `library` block (their
// "web search") and each keeps its own `notes`. The seed's four patterns, in order:
//   1. agents in parallel (the seed's FAQ): both assigned topics are researched at once
//      (Promise.all over two agents); each researcher records its topic under "Research Complete";
//   2. agents as tools (Pattern 3): custom tools `call_research_agent(topic)` and
//      `call_writer_agent(brief)`, whose JS bodies call `client.agents.messages.create` on the other
//      agent and return its last reply, are attached to the orchestrator; asked for an article, it
//      researches and writes through them, then has the editor edit the draft with the built-in
//      `send_message_to_agent_and_wait_for_reply`;
//   3. the editorial pipeline (create_article: researcher → writer → editor) as app code, for the
//      second topic.
// The writer records each draft under "Articles Written" and the editor marks it edited. Then the
// outcome is checked (exit 0 only if both topics were researched, both articles written and edited,
// and the project block was kept by the agents themselves; 1 otherwise; 2 if the model is unusable).
//
// The agents run on scripted brains (below; no network, same result every time) unless
// OPENAI_API_KEY or ANTHROPIC_API_KEY is set and --scripted is not given.

import * as c from './common.mjs';

const args = c.parseArgs('usage: node examples/seeds/orchestrator.mjs [--json] [--scripted]');

const TOPICS = ['LLM memory management', 'RAG pipeline optimization'];
const RESEARCHERS = ['researcher', 'researcher_2']; // TOPICS[i] is assigned to RESEARCHERS[i]
const ARTICLE_REQUEST = 'Create an article about LLM memory management techniques. Use your tools.';

// The seed's project block (the second topic goes to the second researcher).
const PROJECT = `# Project: AI Agent Cookbook Articles
## Assigned Topics
- ${TOPICS[0]}: ASSIGNED to ${RESEARCHERS[0]}
- ${TOPICS[1]}: ASSIGNED to ${RESEARCHERS[1]}
## Research Complete
(none yet)
## Articles Written
(none yet)`;

// What the researchers can "search": a shared read-only block, one fact a line.
const LIBRARY = [
  'LLM memory management splits memory into tiers: in-context core memory, recall memory (the conversation history) and archival memory in a vector store.',
  'Core memory blocks are small, labelled pieces of text rendered into the prompt at every step and edited by the agent itself with memory tools.',
  'When the context window fills up, older messages are summarised and moved to recall memory instead of being dropped.',
  'Popular frameworks for LLM memory management include Letta (MemGPT), LangChain memory modules and LlamaIndex chat stores.',
  'Best practice for memory management: keep core memory short and factual, and let the agent search recall and archival memory on demand.',
  'RAG pipeline optimization starts with chunking: chunks of 200 to 500 tokens with a small overlap retrieve better than whole documents.',
  'Hybrid retrieval (BM25 keyword search plus dense embeddings) improves RAG recall on names and rare terms.',
  'A reranker (a cross-encoder) over the top 20 to 50 retrieved chunks raises RAG precision at a small latency cost.',
  'Caching embeddings and frequent queries cuts the latency and cost of a RAG pipeline.',
  'RAG pipelines should be evaluated on retrieval metrics such as recall@k separately from answer quality.',
].join('\n');

const PERSONAS = {
  researcher: (name) =>
    `I am ${name}, a research specialist. Asked "Research: <topic>", I first look in my own \`notes\` block: if I already ` +
    'researched the topic, I answer from my notes. Otherwise I look the topic up in the `library` block (my search), add a ' +
    'section "## <topic>" with the relevant facts as "- " lines to `notes` (memory_insert at the end), record the topic under ' +
    '"## Research Complete" in the shared `project_memory` block as "- <topic>: N key findings (<my name>)" (memory_replace; ' +
    'replace the "(none yet)" placeholder if it is there), and reply with "Research summary: <topic>" followed by the findings.',
  writer:
    'I am a professional technical writer with a clear, direct style. Given research findings, I write a short article: a ' +
    '"# <topic>" title line, then one paragraph that opens with "This article covers <topic> in N points." and states each ' +
    'finding. I record the draft under "## Articles Written" in the shared `project_memory` block as ' +
    '"- \\"<title>\\": draft by writer, N words" (memory_replace; replace the "(none yet)" placeholder if it is there), then reply ' +
    'with the article only.',
  editor:
    'I am the editor. Given "Edit this article:" and a draft, I return the edited version: the title in Title Case, every ' +
    'sentence ending with a period, and a closing "Key takeaway: ..." line (the first finding). I mark the article\'s line ' +
    'under "## Articles Written" in the shared `project_memory` block by appending "; edited by editor" to it (memory_replace), ' +
    'then reply with the edited article only.',
  orchestrator: (team) =>
    'I am an orchestrator who manages a team of specialized agents. For any content creation task: 1. I research the topic ' +
    'with call_research_agent; 2. I send the findings to the writer with call_writer_agent (a brief: "Write an article about ' +
    '<topic> based on this research:" and the findings); 3. I have the editor edit the draft with ' +
    'send_message_to_agent_and_wait_for_reply ("Edit this article:" and the draft); 4. I answer with the final, edited ' +
    `article. My team: ${team}.`,
};

// ---------------------------------------------------------------------------------------------
// The scripted brains: each decides from what its agent is shown (memory blocks in the system
// prompt, the message, this run's tool results), like a model would.

const titleCase = (s) => s.replace(/\b[a-z]/g, (ch) => ch.toUpperCase());
const findingsOf = (text) => String(text).split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
/** A memory edit that failed: try again from the fresh view, at most 3 times in a run. */
const retryable = (calls, name) => calls.filter((x) => x.name === name && x.result?.status !== 'OK').length < 3;

/** Researcher: answer from my notes, or research in the library, note it, record it, report. */
function researcher(request) {
  const { ask, calls } = c.look(request);
  const me = c.readBlock(request, 'persona')?.match(/I am (\w+),/)?.[1] ?? 'researcher';
  const topic = ask.replace(/^research:\s*/i, '').split('\n')[0].replace(/\.$/, '').trim();
  const notes = c.readBlock(request, 'notes') ?? '';
  // A section of my notes whose title's words are all in the topic ("LLM memory management" for
  // "LLM memory management techniques").
  const sections = notes.split(/\n(?=## )/).filter((s) => s.startsWith('## '));
  const known = sections.find((s) => [...c.words(s.split('\n')[0])].every((w) => c.words(topic).has(w)));
  const summary = (title, facts, how) => c.reply([`Research summary: ${title}`, ...facts.map((f) => `- ${f}`)].join('\n'), how);

  const noted = calls.find((x) => x.name === 'memory_insert' && x.result?.status === 'OK');
  if (known && !noted) {
    const title = known.split('\n')[0].slice(3);
    return summary(title, findingsOf(known), `My notes already cover "${title}": answer from them.`);
  }
  const facts = c.bestFacts((c.readBlock(request, 'library') ?? '').split('\n'), topic, 4);
  if (!facts.length) return c.reply(`Research summary: ${topic}\n(nothing in the library on this topic)`);
  if (!noted) {
    return c.call('memory_insert', { label: 'notes', new_string: [`## ${topic}`, ...facts.map((f) => `- ${f}`)].join('\n'), insert_line: -1 }, `${facts.length} library facts on "${topic}": note them.`);
  }
  const pm = c.readBlock(request, 'project_memory') ?? '';
  const recorded = calls.some((x) => x.name === 'memory_replace' && x.result?.status === 'OK');
  const complete = pm.split('## Research Complete')[1]?.split('\n## ')[0] ?? '';
  if (!recorded && !complete.includes(`- ${topic}:`) && retryable(calls, 'memory_replace')) {
    const edit = c.sectionAppend('project_memory', pm, '## Research Complete', `- ${topic}: ${facts.length} key findings (${me})`);
    const again = calls.some((x) => x.name === 'memory_replace');
    if (edit) return c.call('memory_replace', edit, again ? 'The block changed under me: record it again on what it says now.' : 'Record the research in the project block.');
  }
  return summary(topic, facts, 'Report the findings.');
}

/** Writer: turn the findings in the message into an article, record the draft, reply with it. */
function writer(request) {
  const { ask, calls } = c.look(request);
  const topic = ask.match(/^Research summary: (.+)$/m)?.[1] ?? ask.match(/about (.+?) based on/)?.[1] ?? 'the topic';
  const title = ask.match(/article about (.+?) based on/)?.[1] ?? topic;
  const facts = findingsOf(ask);
  const body = `This article covers ${title} in ${c.plural(facts.length, 'point')}. ${facts.join(' ')}`;
  const article = `# ${title}\n\n${body}`;
  const wordCount = body.split(/\s+/).length;

  const pm = c.readBlock(request, 'project_memory') ?? '';
  const recorded = calls.some((x) => x.name === 'memory_replace' && x.result?.status === 'OK');
  if (!recorded && !pm.includes(`- "${title}"`) && retryable(calls, 'memory_replace')) {
    const edit = c.sectionAppend('project_memory', pm, '## Articles Written', `- "${title}": draft by writer, ${wordCount} words`);
    if (edit) return c.call('memory_replace', edit, `${facts.length} findings on ${topic}: draft written, record it.`);
  }
  return c.reply(article, 'Hand over the draft.');
}

/** Editor: Title Case, full stops, a key takeaway; mark the article edited; reply with it. */
function editor(request) {
  const { ask, calls } = c.look(request);
  const draft = ask.replace(/^edit this article:\s*/i, '');
  const [head, ...rest] = draft.split('\n');
  const title = head.replace(/^#\s*/, '').trim();
  const paragraphs = rest.join('\n').trim().split(/\n\s*\n/).map((p) => p.trim().replace(/\s+/g, ' ').replace(/([^.!?])$/, '$1.'));
  const firstFinding = paragraphs[0]?.split(/(?<=\.)\s+/)[1] ?? '';
  const edited = [`# ${titleCase(title)}`, '', ...paragraphs, '', `Key takeaway: ${firstFinding}`].join('\n');

  const pm = c.readBlock(request, 'project_memory') ?? '';
  const line = pm.split('\n').find((l) => l.startsWith(`- "${title}"`));
  const marked = calls.some((x) => x.name === 'memory_replace' && x.result?.status === 'OK');
  if (line && !line.includes('edited by editor') && !marked && retryable(calls, 'memory_replace')) {
    return c.call('memory_replace', { label: 'project_memory', old_string: line, new_string: `${line}; edited by editor` }, `Edited "${title}": mark it in the project block.`);
  }
  return c.reply(edited, 'Return the edited article.');
}

/** Orchestrator: research → write (agents as tools) → edit (wait for the editor's reply) → answer. */
function orchestrator(request) {
  const { ask, calls, lastCall } = c.look(request);
  const topic = ask.match(/about (.+?)(?:\.|$)/)?.[1]?.trim() ?? ask;
  const editorId = c.readBlock(request, 'persona')?.match(/editor \((agent-[0-9a-f-]+)\)/)?.[1];
  if (lastCall && lastCall.result?.status !== 'OK') return c.reply(`The ${lastCall.name} step failed: ${JSON.stringify(lastCall.result?.message)}`);
  const result = (name) => calls.find((x) => x.name === name)?.result?.message;

  if (!lastCall) return c.call('call_research_agent', { topic }, 'First, research the topic.');
  if (lastCall.name === 'call_research_agent') {
    const brief = `Write an article about ${topic} based on this research:\n${result('call_research_agent')}`;
    return c.call('call_writer_agent', { brief }, 'Research is in: brief the writer.');
  }
  if (lastCall.name === 'call_writer_agent') {
    const message = `Edit this article:\n${result('call_writer_agent')}`;
    return c.call('send_message_to_agent_and_wait_for_reply', { message, other_agent_id: editorId }, 'A draft: have the editor edit it and wait for the result.');
  }
  const edited = result('send_message_to_agent_and_wait_for_reply')?.response?.join('\n') ?? '';
  return c.reply(`Final article (researched, written and edited by the team):\n\n${edited}`, 'The edited article is back: deliver it.');
}

// ---------------------------------------------------------------------------------------------
// The team

const hosted = c.chooseHosted(args);
const log = c.makeLog(args.asJson);
const client = c.createTeamClient({ hosted, brains: { researcher, writer, editor, orchestrator } });
const { bold, dim, cyan } = c;

await c.runExample({ name: 'orchestrator', ...args, hosted, log, client }, async () => {
  const projectMemory = await client.blocks.create({ label: 'project_memory', value: PROJECT, limit: 5000, description: 'The shared state of the project: topics, research done, articles written.' });
  const library = await client.blocks.create({ label: 'library', value: LIBRARY, readOnly: true, description: 'The research library (read-only), one fact a line.' });

  const agent = (name, role, persona, extra = {}) =>
    client.agents.create({
      name,
      model: c.modelFor(hosted, role),
      memoryBlocks: [{ label: 'persona', value: persona }, ...(extra.memoryBlocks ?? [])],
      blockIds: [projectMemory.id, ...(extra.blockIds ?? [])],
      tags: [role],
    });
  const team = {};
  for (const name of RESEARCHERS) {
    team[name] = await agent(name, 'researcher', PERSONAS.researcher(name), {
      memoryBlocks: [{ label: 'notes', value: '# My research notes', description: 'My own research notes, one section per topic.' }],
      blockIds: [library.id],
    });
  }
  team.writer = await agent('writer', 'writer', PERSONAS.writer);
  team.editor = await agent('editor', 'editor', PERSONAS.editor);
  const roster = ['researcher', 'writer', 'editor'].map((n) => `${n} (${team[n].id})`).join(', ');
  team.orchestrator = await client.agents.create({
    name: 'orchestrator',
    model: c.modelFor(hosted, 'orchestrator'),
    memoryBlocks: [{ label: 'persona', value: PERSONAS.orchestrator(roster) }],
    blockIds: [projectMemory.id],
    tools: ['send_message_to_agent_and_wait_for_reply'],
  });
  const names = Object.fromEntries(Object.values(team).map((a) => [a.id, a.name]));

  // Agents as tools (the seed's Pattern 3): JS bodies that message another agent.
  let modelFailure = null; // an llm_api_error inside a tool body (the tool itself only fails)
  const lastReply = (response, who) => {
    if (response.stopReason?.stopReason === 'llm_api_error') {
      modelFailure ??= new c.ModelUnavailable(`${who}: ${response.error?.message}`);
      throw modelFailure;
    }
    return response.messages.filter((m) => m.messageType === 'assistant_message').at(-1)?.content ?? '';
  };
  const toolRuns = [];
  const agentTool = (name, description, param, target, toMessage) =>
    client.tools.create({
      jsonSchema: {
        name,
        description,
        parameters: { type: 'object', properties: { [param]: { type: 'string', description: `The ${param}` } }, required: [param] },
      },
      fn: async (input, ctx) => {
        const response = await ctx.client.agents.messages.create(target.id, { messages: [{ role: 'user', content: toMessage(input[param]) }] });
        toolRuns.push({ tool: name, agent: target.name, response });
        return lastReply(response, target.name);
      },
    });
  const researchTool = await agentTool('call_research_agent', 'Call the research agent to investigate a topic. Returns a structured research summary.', 'topic', team.researcher, (topic) => `Research: ${topic}`);
  const writerTool = await agentTool('call_writer_agent', 'Call the writer agent with a brief (the topic and the research findings). Returns the article.', 'brief', team.writer, (brief) => brief);
  for (const tool of [researchTool, writerTool]) await client.agents.tools.attach(team.orchestrator.id, tool.id);

  log(bold(`An orchestrator and ${Object.keys(team).length - 1} specialists on ${hosted ? hosted.model : 'scripted models (no network)'}`));
  for (const a of Object.values(team)) log(dim(`  ${a.name.padEnd(13)} ${a.id}`));
  log(dim(`  shared: project_memory (${projectMemory.id}) by all; library (read-only) by the researchers`));
  log(dim(`  orchestrator tools: call_research_agent, call_writer_agent (JS bodies), send_message_to_agent_and_wait_for_reply`));

  const ask = async (who, text) => {
    const t = performance.now();
    const response = c.checkModel(await client.agents.messages.create(team[who].id, { messages: [{ role: 'user', content: text }] }), who);
    return { who, text, response, ms: performance.now() - t };
  };
  const show = ({ who, text, response, ms }) => {
    log(`  ${bold(`app → ${who}`)}: ${c.clip(text.replace(/\n/g, ' ⏎ '), 100)} ${dim(`(${ms.toFixed(0)} ms)`)}`);
    c.printResponse(log, who, response, names);
  };

  // 1. Agents in parallel: both assigned topics researched at once, by two agents.
  log(`\n${bold('1. Both assigned topics researched at once')} ${dim('(Promise.all over two agents)')}`);
  const t1 = performance.now();
  const research = await Promise.all(TOPICS.map((topic, i) => ask(RESEARCHERS[i], `Research: ${topic}`)));
  const parallelMs = performance.now() - t1;
  research.forEach(show);
  const researchPeak = hosted ? null : client.scripted.stats('researcher').peakInFlight;
  log(dim(`  both done in ${parallelMs.toFixed(0)} ms; the two runs took ${research.map((r) => `${r.ms.toFixed(0)} ms`).join(' and ')}, overlapping${hosted ? '' : ` (researcher model peak in flight: ${researchPeak})`}`));

  // 2. Agents as tools, and one step with send_message_to_agent_and_wait_for_reply.
  log(`\n${bold('2. The orchestrator uses its agents as tools')}`);
  const before = (await client.interactions.list()).length;
  const orchestrated = await ask('orchestrator', ARTICLE_REQUEST);
  if (modelFailure) throw modelFailure;
  show(orchestrated);
  for (const run of toolRuns) {
    log(`    ${dim(`inside ${run.tool} → ${run.agent}:`)}`);
    c.printResponse(log, run.agent, run.response, names, '      ');
  }
  const interactions = await client.interactions.list();
  c.checkInteractions(interactions, names);
  const editorExchange = interactions.slice(before).find((x) => x.senderId === team.orchestrator.id && x.receiverId === team.editor.id);
  if (editorExchange) {
    log(`    ${dim('the editor, asked with send_message_to_agent_and_wait_for_reply:')}`);
    const history = await client.agents.messages.list(team.editor.id, { limit: 50 });
    const run = history.filter((m) => m.runId === editorExchange.receiverRunId && m.messageType !== 'user_message');
    c.printResponse(log, 'editor', { messages: run }, names, '      ');
  }
  const orchestratedArticle = c.assistantText(orchestrated.response);

  // 3. The editorial pipeline as app code (the seed's create_article), for the second topic.
  log(`\n${bold('3. The editorial pipeline (app code): researcher → writer → editor')}`);
  async function createArticle(topic, researcherName) {
    const r = await ask(researcherName, `Research: ${topic}`);
    show(r);
    const w = await ask('writer', `Write an article about ${topic} based on this research:\n${c.assistantText(r.response)}`);
    show(w);
    const e = await ask('editor', `Edit this article:\n${c.assistantText(w.response)}`);
    show(e);
    return c.assistantText(e.response);
  }
  const pipelineArticle = await createArticle(TOPICS[1], RESEARCHERS[1]);

  // The outcome.
  const pm = (await client.blocks.retrieve(projectMemory.id)).value;
  log(`\n${bold('The shared project_memory block now')}\n    ${c.indent(pm, '    ')}`);
  for (const name of RESEARCHERS) log(`  ${cyan(`${name} notes`)}\n    ${c.indent((await client.agents.blocks.retrieve(team[name].id, 'notes')).value, '    ')}`);

  const section = (h) => pm.split(`## ${h}`)[1]?.split('\n## ')[0] ?? '';
  const researched = section('Research Complete');
  const written = section('Articles Written');
  const orchestratorTools = c.toolCalls(orchestrated.response).map((x) => x.name);
  const libraryFacts = LIBRARY.split('\n');
  const usesResearch = (article) => libraryFacts.some((f) => article.includes(f));
  const notesOf = async (name) => (await client.agents.blocks.retrieve(team[name].id, 'notes')).value;
  const notes0 = await notesOf(RESEARCHERS[0]);
  const checks = [
    ...TOPICS.map((t, i) => ({ check: `"${t}" is under Research Complete, recorded by ${RESEARCHERS[i]}`, ok: researched.includes(`- ${t}:`) && researched.includes(`(${RESEARCHERS[i]})`) })),
    {
      check: hosted ? 'the two topics were researched at the same time (not measurable on a hosted model: skipped)' : `the two topics were researched at the same time (peak in flight ${researchPeak} of 2)`,
      ok: hosted ? true : researchPeak === 2,
    },
    {
      check: 'the orchestrator used call_research_agent, call_writer_agent, then send_message_to_agent_and_wait_for_reply',
      ok: ['call_research_agent', 'call_writer_agent', 'send_message_to_agent_and_wait_for_reply'].every((n, i) => orchestratorTools[i] === n),
      detail: orchestratorTools.join(', '),
    },
    { check: 'the tool bodies ran the researcher and the writer', ok: toolRuns.map((r) => r.agent).join() === 'researcher,writer' },
    { check: 'the researcher answered the tool from its notes (one section per topic, no second research)', ok: (notes0.match(/^## /gm) ?? []).length === 1 },
    { check: 'the interaction log has the orchestrator → editor exchange, replied', ok: editorExchange?.kind === 'wait' && editorExchange.status === 'replied' },
    { check: "the orchestrator's answer is the edited article, built on the research", ok: orchestratedArticle.includes('Key takeaway:') && usesResearch(orchestratedArticle) && orchestratedArticle.includes(editorExchange?.reply?.join('\n') ?? '\u0000') },
    { check: 'the pipeline article is edited and built on the research', ok: pipelineArticle.includes('Key takeaway:') && usesResearch(pipelineArticle) && pipelineArticle.startsWith(`# ${titleCase(TOPICS[1])}`) },
    { check: 'two articles are under Articles Written, each written by the writer and edited by the editor', ok: (written.match(/draft by writer.*; edited by editor/g) ?? []).length === 2, detail: written.trim() },
    { check: 'no placeholder "(none yet)" is left (the agents filled both sections)', ok: !pm.includes('(none yet)') },
  ];

  return {
    checks,
    summary: {
      projectMemory: pm,
      researchPeakInFlight: researchPeak,
      parallelResearchMs: Math.round(parallelMs),
      orchestratorTools,
      orchestratedArticle,
      pipelineArticle,
      interactions: interactions.map((x) => ({ kind: x.kind, sender: names[x.senderId], receiver: names[x.receiverId], status: x.status })),
    },
  };
});

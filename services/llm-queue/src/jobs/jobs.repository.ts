import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { type Kysely, type Transaction, sql } from 'kysely';
import type pg from 'pg';
import type { Database, LlmJobKind, LlmJobSource } from '@arasul/db';
import type { FinishRow, JobRow, RecoveryDecision, WaitingRow } from '../scheduler/scheduler.port';

type Db = Kysely<Database> | Transaction<Database>;

/** Arbitrary, fixed: serialises admissions so the queue cap is exact (transaction-scoped advisory lock). */
const ADMISSION_LOCK = 0x4c4c4d51; // 'LLMQ'

export const jobColumns = [
  'llm_jobs.id',
  'llm_jobs.conversation_id',
  'llm_jobs.status',
  'llm_jobs.prompt',
  'llm_jobs.response',
  'llm_jobs.thinking',
  'llm_jobs.error',
  'llm_jobs.error_code',
  'llm_jobs.created_at',
  'llm_jobs.updated_at',
  'llm_jobs.user_id',
  'llm_jobs.source',
  'llm_jobs.kind',
  'llm_jobs.model',
  'llm_jobs.request',
  'llm_jobs.bound_to_caller',
  'llm_jobs.recovery_count',
  'llm_jobs.started_at',
  'llm_jobs.finished_at',
  'llm_jobs.prompt_tokens',
  'llm_jobs.completion_tokens',
  'llm_jobs.prompt_eval_ms',
  'llm_jobs.eval_ms',
  'llm_jobs.load_ms',
  'llm_jobs.done_reason',
  'llm_jobs.api_key_id',
] as const;

export interface NewJobRow {
  conversationId: string | null;
  userId: number | null;
  apiKeyId: number | null;
  source: LlmJobSource;
  kind: LlmJobKind;
  model: string;
  prompt: string;
  /** Stored as jsonb (it came from a parsed JSON body). */
  request: Record<string, unknown>;
  boundToCaller: boolean;
}

/**
 * The job's columns as an admission answers them, named rather than `job.*`: the statement is prepared once
 * per connection, and a prepared statement whose result gains a column (a migration adding one to llm_jobs
 * while the service runs) fails with "cached plan must not change result type".
 */
const admittedJobColumns = sql.join(jobColumns.map((column) => sql.ref(column.replace('llm_jobs.', 'job.'))));

/** What an admission statement answers. */
export interface AdmittedRow {
  /** Jobs that waited before this one. */
  waitingBefore: number;
  /** The stored job; undefined when it was refused or the conversation is not the user's. */
  job: JobRow | undefined;
  /** The job was claimed in the same statement: it runs now. */
  claimed: boolean;
  /** Why nothing was stored (the first cap that was reached), or null. */
  refused: 'queue_full' | 'user_cap' | 'key_cap' | null;
  userMessageId: string | null;
  assistantMessageId: string | null;
}

interface AdmissionOptions {
  priority: number;
  maxQueue: number;
  maxQueuedPerUser: number;
  maxQueuedPerKey: number;
  claimIfIdle: boolean;
  /**
   * false: the COMMIT answers before its WAL record is flushed (`SET LOCAL synchronous_commit = off`). Safe
   * against a crash of this service (PostgreSQL has the commit); a crash of PostgreSQL or the machine before
   * the next flush (≤ 3 × wal_writer_delay, or the job's first own write) can lose the job.
   */
  flushBeforeAnswer: boolean;
}

type RawAdmitted = Partial<JobRow> & {
  waiting_before: number;
  refused: AdmittedRow['refused'];
  claimed: boolean;
  user_message_id?: string | null;
  assistant_message_id?: string | null;
};

function admittedRowOf(row: RawAdmitted): AdmittedRow {
  const { waiting_before, refused, claimed, user_message_id, assistant_message_id, ...job } = row;
  const stored = typeof job.id === 'string' ? (job as JobRow) : undefined;
  return {
    waitingBefore: waiting_before,
    job: stored,
    claimed: stored !== undefined && claimed,
    refused,
    userMessageId: user_message_id ?? null,
    assistantMessageId: assistant_message_id ?? null,
  };
}

/**
 * The counts under the admission lock, in one scan of the waiting entries: all of them, the user's and the
 * API key's. `refused` names the first cap reached; `run` says the job may start at once (nobody waits).
 */
function admitCte(job: NewJobRow, options: AdmissionOptions) {
  return sql`
    SELECT n, refused, refused IS NULL AS ok, (${options.claimIfIdle}::boolean AND n = 0) AS run
      FROM (
        SELECT n,
               CASE WHEN n >= ${options.maxQueue} THEN 'queue_full'
                    WHEN mine >= ${options.maxQueuedPerUser} THEN 'user_cap'
                    WHEN keys >= ${options.maxQueuedPerKey} THEN 'key_cap' END AS refused
          FROM (
            SELECT count(*)::int AS n,
                   (count(*) FILTER (WHERE j.user_id = ${job.userId}::int))::int AS mine,
                   (count(*) FILTER (WHERE j.api_key_id = ${job.apiKeyId}::int))::int AS keys
              FROM llm_queue q JOIN llm_jobs j ON j.id = q.job_id
             WHERE q.started_at IS NULL
          ) counts
      ) decided
  `;
}

function admitJobStatement(job: NewJobRow, options: AdmissionOptions) {
  return sql<RawAdmitted>`
    WITH admit AS (${admitCte(job, options)}), job AS (
      INSERT INTO llm_jobs (conversation_id, user_id, api_key_id, source, kind, model, prompt, request,
                            bound_to_caller, status, started_at)
      SELECT ${job.conversationId}::uuid, ${job.userId}::int, ${job.apiKeyId}::int, ${job.source}, ${job.kind}, ${job.model},
             ${job.prompt}, ${JSON.stringify(job.request)}::jsonb, ${job.boundToCaller},
             CASE WHEN run THEN 'processing' ELSE 'pending' END, CASE WHEN run THEN now() END
        FROM admit WHERE ok
      RETURNING *
    ), entry AS (
      INSERT INTO llm_queue (job_id, priority, started_at) SELECT id, ${options.priority}, started_at FROM job
    )
    SELECT ${admittedJobColumns}, admit.n AS waiting_before, admit.refused, admit.run AS claimed
      FROM admit LEFT JOIN job ON true
  `;
}

/**
 * A chat turn: the conversation (new, or the user's own existing one), the user's message, the job, its
 * queue entry and the empty answer the job writes, which sorts 1 µs after the question.
 */
/** A chat turn's RAG part: the answer's sources, the text it starts with and the conversation's setting. */
export interface ChatRagRow {
  sources: unknown;
  preface: string;
  setting: unknown;
}

function admitChatStatement(
  job: NewJobRow,
  chat: { title: string; message: string; rag?: ChatRagRow },
  options: AdmissionOptions,
) {
  const rag = chat.rag;
  const setting = rag ? JSON.stringify(rag.setting) : null;
  return sql<RawAdmitted>`
    WITH admit AS (${admitCte(job, options)}), created AS (
      INSERT INTO chat_conversations (user_id, title, rag)
      SELECT ${job.userId}, ${chat.title}, ${setting}::jsonb FROM admit
       WHERE ok AND ${job.conversationId}::uuid IS NULL
      RETURNING id
    ), target AS (
      SELECT id FROM created
      UNION ALL
      SELECT c.id FROM chat_conversations c, admit
       WHERE admit.ok AND c.id = ${job.conversationId}::uuid AND c.user_id = ${job.userId}
         AND c.deleted_at IS NULL
    ), remembered AS (
      UPDATE chat_conversations c SET rag = ${setting}::jsonb FROM admit
       WHERE admit.ok AND ${rag !== undefined} AND c.id = ${job.conversationId}::uuid
         AND c.user_id = ${job.userId} AND c.deleted_at IS NULL
    ), question AS (
      INSERT INTO chat_messages (conversation_id, role, content, status, created_at)
      SELECT id, 'user', ${chat.message}, 'complete', clock_timestamp() FROM target
      RETURNING id, conversation_id, created_at
    ), job AS (
      INSERT INTO llm_jobs (conversation_id, user_id, api_key_id, source, kind, model, prompt, request, status,
                            started_at, response)
      SELECT question.conversation_id, ${job.userId}, ${job.apiKeyId}::int, ${job.source}, ${job.kind}, ${job.model}, ${job.prompt},
             ${JSON.stringify(job.request)}::jsonb,
             CASE WHEN admit.run THEN 'processing' ELSE 'pending' END, CASE WHEN admit.run THEN now() END,
             ${rag ? rag.preface : null}
        FROM question, admit
      RETURNING *
    ), entry AS (
      INSERT INTO llm_queue (job_id, priority, started_at) SELECT id, ${options.priority}, started_at FROM job
    ), answer AS (
      INSERT INTO chat_messages (conversation_id, role, content, status, job_id, model, sources, created_at)
      SELECT job.conversation_id, 'assistant', ${rag ? rag.preface : ''},
             CASE WHEN job.status = 'processing' THEN 'streaming' ELSE 'queued' END, job.id, ${job.model},
             ${rag ? JSON.stringify(rag.sources) : null}::jsonb, question.created_at + interval '1 microsecond'
        FROM job, question
      RETURNING id
    )
    SELECT ${admittedJobColumns}, admit.n AS waiting_before, admit.refused, admit.run AS claimed,
           question.id AS user_message_id, answer.id AS assistant_message_id
      FROM admit LEFT JOIN job ON true LEFT JOIN question ON true LEFT JOIN answer ON true
  `;
}

/** Admission statements prepared on the admission connections, by their text (two texts: job and chat). */
const preparedNames = new Map<string, string>();
const MAX_PREPARED = 8;

/**
 * The prepared-statement name of an admission statement's text. Its values vary, its text does not, so
 * every admission after a connection's first skips parsing and (once PostgreSQL settles on the generic
 * plan after five runs) planning: about half the statement's time on an idle queue. Bounded: a text beyond
 * the few known ones runs unnamed.
 */
function preparedName(text: string): string | undefined {
  const known = preparedNames.get(text);
  if (known !== undefined || preparedNames.size >= MAX_PREPARED) return known;
  const name = `llmq_admit_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
  preparedNames.set(text, name);
  return name;
}

/**
 * Runs `send` (queries issued on a pipelined client, which writes each at once) with the client's socket
 * corked, so everything leaves in one write: one syscall and one wake-up of the backend instead of one per
 * query. The socket is `Client.connection.stream` in node-postgres (not on the pool client's type); without
 * it the queries go out as before.
 */
function inOneWrite<T>(client: pg.PoolClient, send: () => T): T {
  const socket: Duplex | undefined = (client as Partial<Pick<pg.Client, 'connection'>>).connection?.stream;
  socket?.cork();
  try {
    return send();
  } finally {
    socket?.uncork();
  }
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** SQL of llm_jobs, llm_queue and the assistant message a job writes. */
export const jobsRepository = {
  /**
   * Stores a job, refusing it when `maxQueue` jobs wait, in one round trip on a pipelined connection
   * (`admissions`, see main.ts): `BEGIN` (+ `synchronous_commit` off unless `flushBeforeAnswer`) + the
   * admission lock (one simple-protocol message; the lock makes count + insert exact against other
   * admissions), the statement that counts, writes the job and its queue entry (for a chat also the
   * conversation, the question and the empty answer) and — when `claimIfIdle` and nobody else waits — claims
   * the job at once (`processing`, queue entry started), and `COMMIT`, all three sent in one write and
   * answered in order. Resolves as soon as the statement answered; `committed` is the COMMIT's answer still
   * on its way, so the caller may start the job in parallel. A refused admission wrote nothing (its COMMIT
   * ends an empty transaction); a failed one is rolled back (a COMMIT after an error answers ROLLBACK), and
   * `committed` rejects then. `db` only compiles the statement.
   */
  async admit(
    admissions: pg.Pool,
    db: Kysely<Database>,
    job: NewJobRow & { chat?: { title: string; message: string; rag?: ChatRagRow } },
    options: AdmissionOptions,
  ): Promise<{ admitted: AdmittedRow; committed: Promise<void> }> {
    const statement = (
      job.chat ? admitChatStatement(job, job.chat, options) : admitJobStatement(job, options)
    ).compile(db);
    const noFlush = options.flushBeforeAnswer ? '' : 'SET LOCAL synchronous_commit = off; ';
    const client = await admissions.connect();
    const [locked, stored, ended] = inOneWrite(
      client,
      () =>
        [
          client.query(`BEGIN; ${noFlush}SELECT pg_advisory_xact_lock(${ADMISSION_LOCK})`),
          // Named: each admission connection parses and plans it once, not on every admission.
          client.query<RawAdmitted>({
            name: preparedName(statement.sql),
            text: statement.sql,
            values: [...statement.parameters],
          }),
          client.query('COMMIT'),
        ] as const,
    );
    // The connection goes back once all three are answered; after any failure it is closed, not reused.
    const settled = Promise.allSettled([locked, stored, ended]).then((results) => {
      const failed = results.find((r) => r.status === 'rejected');
      client.release(failed === undefined ? undefined : asError(failed.reason));
    });
    const committed = ended.then((result) => {
      if (result.command !== 'COMMIT') throw new Error(`the admission ended with ${result.command}`);
    });
    committed.catch(() => undefined); // the caller awaits it only for a stored job
    let row: RawAdmitted | undefined;
    try {
      await locked;
      row = (await stored).rows[0];
    } catch (error) {
      await settled;
      throw error;
    }
    // Cannot happen (`admit` yields exactly one row); if it did, whatever was written is an ordinary waiting
    // or orphaned job that the scheduler or recovery picks up.
    if (row === undefined) {
      await settled;
      throw new Error('admission statement returned no row');
    }
    const admitted = admittedRowOf(row);
    if (admitted.job === undefined) {
      await settled;
      return { admitted, committed: Promise.resolve() };
    }
    return { admitted, committed };
  },

  /** Waiting entries with what the policy needs, oldest first, at most `limit`. */
  listWaiting(db: Db, limit: number) {
    return db
      .selectFrom('llm_queue')
      .innerJoin('llm_jobs', 'llm_jobs.id', 'llm_queue.job_id')
      .select([
        'llm_queue.job_id',
        'llm_queue.priority',
        'llm_queue.created_at',
        'llm_queue.resume_first',
        'llm_jobs.model',
        'llm_jobs.user_id',
        'llm_jobs.source',
        'llm_jobs.kind',
        'llm_jobs.conversation_id',
      ])
      .where('llm_queue.started_at', 'is', null)
      .orderBy('llm_queue.created_at')
      .orderBy('llm_queue.id')
      .limit(limit)
      .execute();
  },

  /**
   * Takes a waiting job for running. SKIP LOCKED + the `started_at IS NULL` guard make it impossible for two
   * claimers to get the same job; returns undefined when somebody else got (or cancelled) it first.
   */
  async claim(db: Db, jobId: string): Promise<JobRow | undefined> {
    // One statement (atomic on its own): the queue entry, the job and its message change together.
    const { rows } = await sql<JobRow>`
      WITH entry AS (
        SELECT id FROM llm_queue WHERE job_id = ${jobId} AND started_at IS NULL FOR UPDATE SKIP LOCKED
      ), taken AS (
        UPDATE llm_queue SET started_at = now() WHERE id IN (SELECT id FROM entry) RETURNING job_id
      ), job AS (
        UPDATE llm_jobs SET status = 'processing', started_at = coalesce(started_at, now())
         WHERE id IN (SELECT job_id FROM taken) AND status = 'pending'
        RETURNING *
      ), message AS (
        UPDATE chat_messages SET status = 'streaming' WHERE job_id IN (SELECT id FROM job)
      )
      SELECT * FROM job
    `.execute(db);
    return rows[0];
  },

  findById(db: Db, id: string) {
    return db.selectFrom('llm_jobs').select(jobColumns).where('id', '=', id).executeTakeFirst();
  },

  findForUpdate(trx: Transaction<Database>, id: string) {
    return trx.selectFrom('llm_jobs').select(jobColumns).where('id', '=', id).forUpdate().executeTakeFirst();
  },

  list(db: Db, filter: { userId: number | null; conversationId?: string; limit: number; before?: Date }) {
    let query = db
      .selectFrom('llm_jobs')
      .select(jobColumns)
      .orderBy('created_at', 'desc')
      .limit(filter.limit);
    if (filter.userId !== null) query = query.where('user_id', '=', filter.userId);
    if (filter.conversationId !== undefined)
      query = query.where('conversation_id', '=', filter.conversationId);
    if (filter.before !== undefined) query = query.where('created_at', '<', filter.before);
    return query.execute();
  },

  /** Writes the text generated so far (every flush interval while streaming), job and answer together. */
  async saveProgress(db: Db, jobId: string, response: string, thinking: string): Promise<void> {
    const thinkingOrNull = thinking === '' ? null : thinking;
    await sql`
      WITH job AS (
        UPDATE llm_jobs SET response = ${response}, thinking = ${thinkingOrNull}
         WHERE id = ${jobId} AND status = 'processing'
        RETURNING id
      )
      UPDATE chat_messages SET content = ${response}, thinking = ${thinkingOrNull}
       WHERE job_id = ${jobId}
    `.execute(db);
  },

  /**
   * The final state in one statement: the job, its answer message, its queue entry removed and, for a
   * completed job, the model's usage counted.
   */
  async finish(db: Db, jobId: string, model: string | null, row: FinishRow): Promise<void> {
    const thinking = row.thinking === '' ? null : row.thinking;
    const messageStatus = row.status === 'completed' ? 'complete' : row.status;
    await sql`
      WITH job AS (
        UPDATE llm_jobs SET
          status = ${row.status}, response = ${row.response}, thinking = ${thinking}, error = ${row.error},
          error_code = ${row.errorCode}, finished_at = now(), prompt_tokens = ${row.promptTokens},
          completion_tokens = ${row.completionTokens}, prompt_eval_ms = ${row.promptEvalMs},
          eval_ms = ${row.evalMs}, load_ms = ${row.loadMs}, done_reason = ${row.doneReason}
         WHERE id = ${jobId}
        RETURNING id
      ), message AS (
        UPDATE chat_messages SET content = ${row.response}, thinking = ${thinking},
               status = ${messageStatus}, model = ${model}
         WHERE job_id = ${jobId}
      ), entry AS (
        DELETE FROM llm_queue WHERE job_id = ${jobId}
      )
      UPDATE llm_installed_models SET last_used_at = now(), usage_count = usage_count + 1
       WHERE ${row.status === 'completed'} AND id = ${model}
    `.execute(db);
  },

  /** Puts a claimed job back into the queue (backend gone, graceful stop, recovery), in one statement. */
  async requeue(
    db: Db,
    jobId: string,
    options: { resumeFirst: boolean; countRecovery: boolean; response?: string; thinking?: string },
  ): Promise<void> {
    const setText = options.response !== undefined;
    const response = options.response ?? null;
    const thinking = options.thinking === undefined || options.thinking === '' ? null : options.thinking;
    await sql`
      WITH job AS (
        UPDATE llm_jobs SET
          status = 'pending',
          recovery_count = recovery_count + ${options.countRecovery ? 1 : 0},
          response = CASE WHEN ${setText} THEN ${response} ELSE response END,
          thinking = CASE WHEN ${options.thinking !== undefined} THEN ${thinking} ELSE thinking END
         WHERE id = ${jobId}
        RETURNING id
      ), entry AS (
        UPDATE llm_queue SET started_at = NULL, resume_first = ${options.resumeFirst} WHERE job_id = ${jobId}
      )
      UPDATE chat_messages SET status = 'queued',
             content = CASE WHEN ${setText} THEN ${response} ELSE content END
       WHERE job_id = ${jobId}
    `.execute(db);
  },

  /** Jobs a previous instance left running (it died: its leader lock is gone). */
  orphans(trx: Transaction<Database>) {
    return trx
      .selectFrom('llm_jobs')
      .select(jobColumns)
      .where('status', '=', 'processing')
      .orderBy('started_at')
      .limit(10_000)
      .forUpdate()
      .execute();
  },

  /** Waiting jobs whose caller was a waiting HTTP request: gone with the previous process. */
  waitingBoundToCaller(trx: Transaction<Database>) {
    return trx
      .selectFrom('llm_jobs')
      .select(jobColumns)
      .where('status', '=', 'pending')
      .where('bound_to_caller', '=', true)
      .limit(10_000)
      .forUpdate()
      .execute();
  },

  /** A pending job must have a waiting queue entry; repairs a half-written state defensively. */
  async repairPendingEntries(trx: Transaction<Database>): Promise<void> {
    await sql`
      UPDATE llm_queue q SET started_at = NULL
        FROM llm_jobs j
       WHERE j.id = q.job_id AND j.status = 'pending' AND q.started_at IS NOT NULL
    `.execute(trx);
    await sql`
      INSERT INTO llm_queue (job_id, priority, created_at)
      SELECT j.id, 0, j.created_at FROM llm_jobs j
       WHERE j.status = 'pending' AND NOT EXISTS (SELECT 1 FROM llm_queue q WHERE q.job_id = j.id)
    `.execute(trx);
  },

  /** After a restart, in one transaction: orphans and jobs of gone callers as `decide` says. */
  async recover(
    db: Kysely<Database>,
    decide: (job: JobRow, state: 'running' | 'waiting') => RecoveryDecision,
  ): Promise<{ failed: JobRow[]; requeued: number }> {
    return db.transaction().execute(async (trx) => {
      const failed: JobRow[] = [];
      let requeued = 0;
      const apply = async (job: JobRow, decision: RecoveryDecision) => {
        if (decision.requeue) {
          await jobsRepository.requeue(trx, job.id, { resumeFirst: true, countRecovery: true });
          requeued += 1;
        } else {
          await jobsRepository.finish(trx, job.id, job.model, decision.finish);
          failed.push(job);
        }
      };
      for (const job of await jobsRepository.orphans(trx)) await apply(job, decide(job, 'running'));
      for (const job of await jobsRepository.waitingBoundToCaller(trx)) {
        await apply(job, decide(job, 'waiting'));
      }
      await jobsRepository.repairPendingEntries(trx);
      return { failed, requeued };
    });
  },

  /** Finishes a job only while it still waits (locked); the job, or undefined when it no longer waits. */
  async finishIfWaiting(
    db: Kysely<Database>,
    jobId: string,
    build: (job: JobRow) => FinishRow,
  ): Promise<JobRow | undefined> {
    return db.transaction().execute(async (trx) => {
      const locked = await jobsRepository.findForUpdate(trx, jobId);
      if (locked?.status !== 'pending') return undefined;
      await jobsRepository.finish(trx, jobId, locked.model, build(locked));
      return locked;
    });
  },

  /** The conversation before this job's question, oldest first, at most `limit` messages. */
  async historyForJob(db: Db, conversationId: string, jobId: string, limit: number) {
    const rows = await db
      .selectFrom('chat_messages')
      .select(['role', 'content', 'created_at'])
      .where('conversation_id', '=', conversationId)
      .where('role', 'in', ['user', 'assistant', 'system'])
      .where('created_at', '<', (eb) =>
        eb
          .selectFrom('chat_messages as own')
          .select('own.created_at')
          .where('own.job_id', '=', jobId)
          .limit(1),
      )
      .where((eb) => eb.or([eb('job_id', 'is', null), eb('job_id', '!=', jobId)]))
      .where((eb) => eb.or([eb('role', '!=', 'assistant'), eb('status', '=', 'complete')]))
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse().map((m) => ({ role: m.role, content: m.content }));
  },

  recentCompleted(db: Db, limit: number) {
    return db
      .selectFrom('llm_jobs')
      .select(['model', 'completion_tokens', 'eval_ms', 'started_at', 'finished_at'])
      .where('status', '=', 'completed')
      .where('finished_at', 'is not', null)
      .orderBy('finished_at', 'desc')
      .limit(limit)
      .execute();
  },
};

export type { JobRow, WaitingRow };

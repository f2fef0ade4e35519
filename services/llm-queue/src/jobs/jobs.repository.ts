import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database, LlmJob, LlmJobKind, LlmJobSource } from '@arasul/db';

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
] as const;

export interface NewJobRow {
  conversationId: string | null;
  userId: number | null;
  source: LlmJobSource;
  kind: LlmJobKind;
  model: string;
  prompt: string;
  /** Stored as jsonb (it came from a parsed JSON body). */
  request: Record<string, unknown>;
  boundToCaller: boolean;
}

export interface FinishRow {
  status: 'completed' | 'failed' | 'cancelled';
  response: string;
  thinking: string;
  errorCode: string | null;
  error: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  promptEvalMs: number | null;
  evalMs: number | null;
  loadMs: number | null;
  doneReason: string | null;
}

/** SQL of llm_jobs, llm_queue and the assistant message a job writes. */
export const jobsRepository = {
  /** Held until the admitting transaction ends: count + insert are atomic against other admissions. */
  async lockAdmissions(trx: Transaction<Database>): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(${ADMISSION_LOCK})`.execute(trx);
  },

  async countWaiting(db: Db): Promise<number> {
    const row = await db
      .selectFrom('llm_queue')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('started_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  /** The job and its queue entry, in one statement. */
  async insertJob(db: Db, job: NewJobRow, priority: number): Promise<string> {
    const { rows } = await sql<{ id: string }>`
      WITH job AS (
        INSERT INTO llm_jobs (conversation_id, user_id, source, kind, model, prompt, request, bound_to_caller)
        VALUES (${job.conversationId}, ${job.userId}, ${job.source}, ${job.kind}, ${job.model}, ${job.prompt},
                ${JSON.stringify(job.request)}::jsonb, ${job.boundToCaller})
        RETURNING id
      ), entry AS (
        INSERT INTO llm_queue (job_id, priority) SELECT id, ${priority} FROM job
      )
      SELECT id FROM job
    `.execute(db);
    const id = rows[0]?.id;
    if (id === undefined) throw new Error('llm_jobs insert returned no row');
    return id;
  },

  /**
   * A chat turn in one statement: the conversation (new, or the user's own existing one), the user's message,
   * the job, its queue entry and the empty answer written by the job. The answer sorts 1 µs after the
   * question. Undefined when `conversationId` is not a live conversation of `userId`.
   */
  async insertChatJob(
    db: Db,
    job: Omit<NewJobRow, 'conversationId' | 'boundToCaller'> & {
      userId: number;
      conversationId: string | null;
      title: string;
      message: string;
      /** RAG: the answer's sources, the text it starts with (a caution) and the conversation's setting. */
      rag?: { sources: unknown; preface: string; setting: unknown };
    },
    priority: number,
  ): Promise<
    | { job_id: string; conversation_id: string; user_message_id: string; assistant_message_id: string }
    | undefined
  > {
    const rag = job.rag;
    const { rows } = await sql<{
      job_id: string;
      conversation_id: string;
      user_message_id: string;
      assistant_message_id: string;
    }>`
      WITH created AS (
        INSERT INTO chat_conversations (user_id, title, rag)
        SELECT ${job.userId}, ${job.title}, ${rag ? JSON.stringify(rag.setting) : null}::jsonb
         WHERE ${job.conversationId}::uuid IS NULL
        RETURNING id
      ), target AS (
        SELECT id FROM created
        UNION ALL
        SELECT id FROM chat_conversations
         WHERE id = ${job.conversationId}::uuid AND user_id = ${job.userId} AND deleted_at IS NULL
      ), remembered AS (
        UPDATE chat_conversations SET rag = ${rag ? JSON.stringify(rag.setting) : null}::jsonb
         WHERE ${rag !== undefined} AND id = ${job.conversationId}::uuid AND user_id = ${job.userId}
           AND deleted_at IS NULL
      ), question AS (
        INSERT INTO chat_messages (conversation_id, role, content, status, created_at)
        SELECT id, 'user', ${job.message}, 'complete', clock_timestamp() FROM target
        RETURNING id, conversation_id, created_at
      ), job AS (
        INSERT INTO llm_jobs (conversation_id, user_id, source, kind, model, prompt, request, response)
        SELECT conversation_id, ${job.userId}, ${job.source}, ${job.kind}, ${job.model}, ${job.prompt},
               ${JSON.stringify(job.request)}::jsonb, ${rag ? rag.preface : null}
          FROM question
        RETURNING id, conversation_id
      ), entry AS (
        INSERT INTO llm_queue (job_id, priority) SELECT id, ${priority} FROM job
      ), answer AS (
        INSERT INTO chat_messages (conversation_id, role, content, status, job_id, model, sources, created_at)
        SELECT job.conversation_id, 'assistant', ${rag ? rag.preface : ''}, 'queued', job.id, ${job.model},
               ${rag ? JSON.stringify(rag.sources) : null}::jsonb, question.created_at + interval '1 microsecond'
          FROM job, question
        RETURNING id
      )
      SELECT job.id AS job_id, job.conversation_id, question.id AS user_message_id, answer.id AS assistant_message_id
        FROM job, question, answer
    `.execute(db);
    return rows[0];
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

  /** Writes the text generated so far (every flush interval while streaming). */
  async saveProgress(db: Db, jobId: string, response: string, thinking: string): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('llm_jobs')
        .set({ response, thinking: thinking === '' ? null : thinking })
        .where('id', '=', jobId)
        .where('status', '=', 'processing')
        .execute();
      await trx
        .updateTable('chat_messages')
        .set({ content: response, thinking: thinking === '' ? null : thinking })
        .where('job_id', '=', jobId)
        .execute();
    });
  },

  async finish(
    trx: Transaction<Database>,
    jobId: string,
    model: string | null,
    row: FinishRow,
  ): Promise<void> {
    await trx
      .updateTable('llm_jobs')
      .set({
        status: row.status,
        response: row.response,
        thinking: row.thinking === '' ? null : row.thinking,
        error: row.error,
        error_code: row.errorCode,
        finished_at: sql`now()`,
        prompt_tokens: row.promptTokens,
        completion_tokens: row.completionTokens,
        prompt_eval_ms: row.promptEvalMs,
        eval_ms: row.evalMs,
        load_ms: row.loadMs,
        done_reason: row.doneReason,
      })
      .where('id', '=', jobId)
      .execute();
    await trx
      .updateTable('chat_messages')
      .set({
        content: row.response,
        thinking: row.thinking === '' ? null : row.thinking,
        status: row.status === 'completed' ? 'complete' : row.status,
        model,
      })
      .where('job_id', '=', jobId)
      .execute();
    await trx.deleteFrom('llm_queue').where('job_id', '=', jobId).execute();
  },

  /** Puts a claimed job back into the queue (backend gone, graceful stop, recovery). */
  async requeue(
    trx: Transaction<Database>,
    jobId: string,
    options: { resumeFirst: boolean; countRecovery: boolean; response?: string; thinking?: string },
  ): Promise<void> {
    await trx
      .updateTable('llm_jobs')
      .set((eb) => ({
        status: 'pending',
        ...(options.countRecovery ? { recovery_count: eb('recovery_count', '+', 1) } : {}),
        ...(options.response === undefined ? {} : { response: options.response }),
        ...(options.thinking === undefined
          ? {}
          : { thinking: options.thinking === '' ? null : options.thinking }),
      }))
      .where('id', '=', jobId)
      .execute();
    await trx
      .updateTable('llm_queue')
      .set({ started_at: null, resume_first: options.resumeFirst })
      .where('job_id', '=', jobId)
      .execute();
    await trx
      .updateTable('chat_messages')
      .set({
        status: 'queued',
        ...(options.response === undefined ? {} : { content: options.response }),
      })
      .where('job_id', '=', jobId)
      .execute();
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

/** Every column of llm_jobs (`jobColumns` selects all of them). */
export type JobRow = LlmJob;
export type WaitingRow = Awaited<ReturnType<typeof jobsRepository.listWaiting>>[number];

import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';

/** SQL of `workflow_activity`. */
export const webhooksRepository = {
  async insertWorkflowActivity(
    db: Kysely<Database>,
    activity: { workflowName: string; status: string; durationMs: number | null; error: string | null },
  ): Promise<number> {
    const row = await db
      .insertInto('workflow_activity')
      .values({
        workflow_name: activity.workflowName,
        status: activity.status,
        duration_ms: activity.durationMs,
        error: activity.error,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  },
};

import { alertsRepository } from './alerts.repository';

/** What retention may do with the alerts' outbox: delete events already published, in batches. */
export const alertOutbox: Pick<typeof alertsRepository, 'deletePublishedEventsBatch'> = alertsRepository;

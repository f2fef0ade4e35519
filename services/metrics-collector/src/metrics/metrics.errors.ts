import { UnavailableError } from '@arasul/service-kit/errors';

/** Nothing sampled in the last minute: the collector just started, or sampling is stuck. */
export class NoSampleYetError extends UnavailableError {
  constructor() {
    super('No recent sample yet; the collector may be starting.', 'no_recent_sample', {
      headers: { 'Retry-After': '5' },
    });
  }
}

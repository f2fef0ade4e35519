import { samplesRepository } from './samples.repository';

/**
 * The sample store as the features use it: history reads buckets, retention prunes, rolls up and reports.
 * (storage/ is the persistence of samples; features reach it through this port, never its repository.)
 */
export const sampleStore: Pick<
  typeof samplesRepository,
  | 'rawBuckets'
  | 'rollupBuckets'
  | 'rawStats'
  | 'rollupStats'
  | 'rollupResumePoint'
  | 'rollUp'
  | 'deleteRawBatch'
  | 'deleteRollupBatch'
> = samplesRepository;

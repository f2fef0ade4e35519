import { runService } from '@arasul/service-kit';
import { composeIndexer } from './compose';
import { loadIndexerConfig } from './config';

const config = loadIndexerConfig();

void runService('document-indexer', config, (runtime) => composeIndexer(config, runtime));

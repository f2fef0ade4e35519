import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Int8, Json } from '../column-types';

export type LlmModelCategory = 'small' | 'medium' | 'large' | 'xlarge';

/** Models the appliance offers for download. */
export interface LlmModelCatalogTable {
  /** e.g. 'qwen3:7b-q8'. */
  id: string;
  name: string;
  description: string | null;
  /** Download size. */
  size_bytes: Int8 | null;
  ram_required_gb: number | null;
  category: LlmModelCategory | null;
  /** e.g. ['coding', 'reasoning']. */
  capabilities: Generated<Json<string[]>>;
  jetson_tested: Generated<boolean>;
  /** 1 = fastest … 3 = slowest. */
  performance_tier: number | null;
  /** The name Ollama knows the model by (migration 027); unique. */
  ollama_name: string | null;
}

export type LlmCatalogModel = Selectable<LlmModelCatalogTable>;
export type NewLlmCatalogModel = Insertable<LlmModelCatalogTable>;
export type LlmCatalogModelUpdate = Updateable<LlmModelCatalogTable>;

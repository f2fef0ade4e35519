import {
  type SelfHealingEventsPage,
  type SelfHealingSettings,
  type SelfHealingStatus,
  type ServiceActionName,
  type ServiceActionResult,
  selfHealingEventsPageSchema,
  selfHealingSettingsSchema,
  selfHealingStatusSchema,
  serviceActionResultSchema,
} from '@arasul/contracts/http/self-healing';
import type { ApiClient } from '../../api/client';

/** The self-healing agent's API, parsed with the same zod schemas the agent answers with. */
export function systemApi(client: ApiClient) {
  return {
    status: async (signal?: AbortSignal): Promise<SelfHealingStatus> =>
      selfHealingStatusSchema.parse(await client.request<unknown>('/api/self-healing/status', { signal })),
    events: async (limit: number, signal?: AbortSignal): Promise<SelfHealingEventsPage> =>
      selfHealingEventsPageSchema.parse(
        await client.request<unknown>('/api/self-healing/events', { query: { limit }, signal }),
      ),
    settings: async (signal?: AbortSignal): Promise<SelfHealingSettings> =>
      selfHealingSettingsSchema.parse(
        await client.request<unknown>('/api/self-healing/settings', { signal }),
      ),
    saveSettings: async (settings: SelfHealingSettings): Promise<SelfHealingSettings> =>
      selfHealingSettingsSchema.parse(
        await client.request<unknown>('/api/self-healing/settings', { method: 'PUT', body: settings }),
      ),
    act: async (service: string, action: ServiceActionName): Promise<ServiceActionResult> =>
      serviceActionResultSchema.parse(
        await client.request<unknown>(`/api/services/${encodeURIComponent(service)}/${action}`, {
          method: 'POST',
        }),
      ),
  };
}

export type SystemApi = ReturnType<typeof systemApi>;

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
} from '@arasul/contracts';
import type { ApiClient } from '../../api/client';

/** The self-healing agent's API, parsed with the same zod schemas the agent answers with. */
export function systemApi(client: ApiClient) {
  return {
    status: async (signal?: AbortSignal): Promise<SelfHealingStatus> =>
      client.request('/api/self-healing/status', selfHealingStatusSchema, { signal }),
    events: async (limit: number, signal?: AbortSignal): Promise<SelfHealingEventsPage> =>
      client.request('/api/self-healing/events', selfHealingEventsPageSchema, { query: { limit }, signal }),
    settings: async (signal?: AbortSignal): Promise<SelfHealingSettings> =>
      client.request('/api/self-healing/settings', selfHealingSettingsSchema, { signal }),
    saveSettings: async (settings: SelfHealingSettings): Promise<SelfHealingSettings> =>
      client.request('/api/self-healing/settings', selfHealingSettingsSchema, {
        method: 'PUT',
        body: settings,
      }),
    /** The diagnosis assistant's answer as Server-Sent Events (`diagnosisStreamEventSchema`); read with readSse. */
    ask: (question: string, language: 'de' | 'en', signal: AbortSignal): Promise<Response> =>
      client.send('/api/self-healing/ask', {
        method: 'POST',
        body: { question, language, stream: true },
        headers: { Accept: 'text/event-stream' },
        signal,
      }),
    act: async (service: string, action: ServiceActionName): Promise<ServiceActionResult> =>
      client.request(`/api/services/${encodeURIComponent(service)}/${action}`, serviceActionResultSchema, {
        method: 'POST',
      }),
  };
}

export type SystemApi = ReturnType<typeof systemApi>;

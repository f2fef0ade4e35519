import { z } from 'zod';
import { API_SCOPES, ROLES, type Identity } from '@arasul/service-kit';

/** The Identity shape as auth sends it; checked at the edge before the gateway signs it for the services. */
export const identitySchema: z.ZodType<Identity> = z.object({
  userId: z.number().int().positive(),
  username: z.string().min(1),
  role: z.enum(ROLES),
  authType: z.enum(['jwt', 'api_key']),
  scopes: z.array(z.enum(API_SCOPES)),
  apiKeyId: z.number().int().positive().optional(),
  sessionJti: z.string().optional(),
  sessionId: z.number().int().positive().optional(),
});

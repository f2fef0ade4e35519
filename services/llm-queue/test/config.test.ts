import { ConfigError } from '@arasul/service-kit';
import { parseLlmQueueConfig } from '../src/config';

const SECRET = 'x'.repeat(32);

describe('llm-queue configuration', () => {
  it('has the documented defaults', () => {
    const config = parseLlmQueueConfig({ INTERNAL_SECRET: SECRET });
    expect(config).toMatchObject({
      LLM_QUEUE_PORT: 8082,
      LLM_QUEUE_HOST: '127.0.0.1',
      OLLAMA_URL: 'http://127.0.0.1:11434',
      LLM_PARALLEL: 1,
      LLM_MAX_WAIT_SECONDS: 120,
      LLM_MAX_QUEUE: 50,
      LLM_INACTIVITY_TIMEOUT_SECONDS: 600,
      LLM_FLUSH_INTERVAL_MS: 250,
      LLM_HEARTBEAT_SECONDS: 15,
      LLM_PULL_STALL_SECONDS: 300,
      LLM_CONNECT_ATTEMPTS: 3,
    });
    expect(config.LLM_DEFAULT_MODEL).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every bad variable at once, and needs a long INTERNAL_SECRET', () => {
    expect.assertions(4);
    try {
      parseLlmQueueConfig({ INTERNAL_SECRET: 'short', LLM_PARALLEL: '0', OLLAMA_URL: 'not a url' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('INTERNAL_SECRET');
      expect(problems).toContain('LLM_PARALLEL');
      expect(problems).toContain('OLLAMA_URL');
    }
  });

  it('refuses a missing INTERNAL_SECRET', () => {
    expect(() => parseLlmQueueConfig({})).toThrow(/INTERNAL_SECRET/);
  });
});

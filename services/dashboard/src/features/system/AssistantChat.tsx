import { type SubmitEvent, useEffect, useRef, useState } from 'react';
import { diagnosisStreamEventSchema } from '@arasul/contracts';
import { readSse } from '../../api/sse';
import { useI18n } from '../../i18n/i18n';
import { Button, ErrorNotice, Field, Notice } from '../../ui/components';
import { Markdown } from '../chat/Markdown';
import type { SystemApi } from './system-api';

interface Exchange {
  question: string;
  answer: string;
  phase: 'asking' | 'done' | 'error';
  llmAvailable: boolean;
  error: string | null;
}

/**
 * The diagnosis assistant as a small chat: a question goes to the agent, which assembles the box's state
 * and asks the local model; the answer appears word by word as it is written (Server-Sent Events).
 */
export function AssistantChat({ api }: { api: SystemApi }) {
  const { t, lang } = useI18n();
  const [draft, setDraft] = useState('');
  const [exchanges, setExchanges] = useState<Exchange[]>([]);
  const [failure, setFailure] = useState<unknown>();
  const running = useRef<AbortController | null>(null);
  const busy = exchanges.at(-1)?.phase === 'asking';

  useEffect(() => () => running.current?.abort(), []);

  const update = (patch: (last: Exchange) => Exchange) => {
    setExchanges((list) => {
      const last = list.at(-1);
      return last ? [...list.slice(0, -1), patch(last)] : list;
    });
  };

  const ask = async (event: SubmitEvent) => {
    event.preventDefault();
    const question = draft.trim();
    if (question.length < 3 || busy) return;
    const controller = new AbortController();
    running.current = controller;
    setFailure(undefined);
    setDraft('');
    setExchanges((list) => [
      ...list.slice(-4),
      { question, answer: '', phase: 'asking', llmAvailable: true, error: null },
    ]);
    try {
      const response = await api.ask(question, lang, controller.signal);
      await readSse(
        response,
        (sse) => {
          const parsed = diagnosisStreamEventSchema.safeParse(JSON.parse(sse.data));
          if (!parsed.success) return;
          const e = parsed.data;
          if (e.type === 'token') update((x) => ({ ...x, answer: x.answer + e.text }));
          else if (e.type === 'done')
            update((x) => ({
              ...x,
              answer: e.answer.answer ?? '',
              llmAvailable: e.answer.llmAvailable,
              phase: 'done',
            }));
          else if (e.type === 'error') update((x) => ({ ...x, phase: 'error', error: e.message }));
        },
        controller.signal,
      );
      update((x) => (x.phase === 'asking' ? { ...x, phase: 'error', error: null } : x));
    } catch (error) {
      if (controller.signal.aborted) return;
      setFailure(error);
      update((x) => ({ ...x, phase: 'error' }));
    }
  };

  return (
    <div className="assistant" data-testid="assistant">
      {exchanges.length > 0 && (
        <ol className="assistant-log" aria-label={t('system.assistant.log')}>
          {exchanges.map((x, i) => (
            <li key={i} className="assistant-exchange" data-phase={x.phase}>
              <p className="assistant-question">{x.question}</p>
              <div
                className="assistant-answer"
                data-testid="assistant-answer"
                aria-live="polite"
                aria-busy={x.phase === 'asking'}
              >
                {x.answer !== '' && <Markdown text={x.answer} />}
                {x.phase === 'asking' && x.answer === '' && (
                  <p className="muted">{t('system.assistant.thinking')}</p>
                )}
                {x.phase === 'done' && !x.llmAvailable && (
                  <Notice kind="warning">{t('system.assistant.noLlm')}</Notice>
                )}
                {x.phase === 'error' && (
                  <Notice kind="error">{x.error ?? t('system.assistant.failed')}</Notice>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
      {failure !== undefined && <ErrorNotice error={failure} />}
      <form className="assistant-form" onSubmit={(e) => void ask(e)}>
        <Field label={t('system.assistant.question')} hint={t('system.assistant.hint')}>
          {(props) => (
            <textarea
              {...props}
              className="input"
              rows={2}
              maxLength={2000}
              value={draft}
              onChange={(e) => {
                setDraft(e.target.value);
              }}
              data-testid="assistant-input"
            />
          )}
        </Field>
        <Button
          type="submit"
          variant="primary"
          busy={busy}
          disabled={draft.trim().length < 3}
          data-testid="assistant-ask"
        >
          {t('system.assistant.ask')}
        </Button>
      </form>
    </div>
  );
}

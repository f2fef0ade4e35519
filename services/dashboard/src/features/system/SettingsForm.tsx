import { type SubmitEvent, useEffect, useState } from 'react';
import type { SelfHealingSettings } from '@arasul/contracts';
import { useI18n } from '../../i18n/i18n';
import { Button, ErrorNotice, Field, Notice, TextInput } from '../../ui/components';
import type { SystemApi } from './system-api';

type NumberKey =
  | 'unreadySeconds'
  | 'backoffBaseSeconds'
  | 'backoffMaxSeconds'
  | 'backoffResetMinutes'
  | 'budgetActions'
  | 'budgetWindowMinutes';
const NUMBER_FIELDS: readonly NumberKey[] = [
  'unreadySeconds',
  'backoffBaseSeconds',
  'backoffMaxSeconds',
  'backoffResetMinutes',
  'budgetActions',
  'budgetWindowMinutes',
];

/** The agent's settings (admins): validated by the agent, errors shown next to the form. */
export function SettingsForm({ api, initial }: { api: SystemApi; initial: SelfHealingSettings }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(initial);
  const [exclude, setExclude] = useState(initial.exclude.join(', '));
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    setDraft(initial);
    setExclude(initial.exclude.join(', '));
  }, [initial]);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setSaved(false);
    setError(undefined);
    try {
      const list = exclude
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      const result = await api.saveSettings({ ...draft, exclude: list });
      setDraft(result);
      setSaved(true);
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="stack system-settings"
      onSubmit={(e) => void submit(e)}
      data-testid="self-healing-settings"
    >
      {error !== undefined && <ErrorNotice error={error} />}
      {saved && <Notice kind="success">{t('common.saved')}</Notice>}
      <label className="check">
        <input
          type="checkbox"
          checked={draft.enabled}
          onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })}
        />
        {t('system.settings.enabled')}
      </label>
      <div className="form-grid">
        {NUMBER_FIELDS.map((key) => (
          <Field key={key} label={t(`system.settings.${key}`)}>
            {(props) => (
              <TextInput
                {...props}
                type="number"
                inputMode="numeric"
                value={String(draft[key])}
                onChange={(e) => setDraft({ ...draft, [key]: Number(e.target.value) })}
              />
            )}
          </Field>
        ))}
      </div>
      <Field label={t('system.settings.exclude')} hint={t('system.settings.excludeHint')}>
        {(props) => <TextInput {...props} value={exclude} onChange={(e) => setExclude(e.target.value)} />}
      </Field>
      <label className="check">
        <input
          type="checkbox"
          checked={draft.rebootEnabled}
          onChange={(e) => setDraft({ ...draft, rebootEnabled: e.target.checked })}
        />
        {t('system.settings.rebootEnabled')}
      </label>
      <div>
        <Button type="submit" variant="primary" busy={busy}>
          {t('common.save')}
        </Button>
      </div>
    </form>
  );
}

import { type SubmitEvent, useState } from 'react';
import type { ApiClient } from '../../api/client';
import { useI18n } from '../../i18n/i18n';
import { Button, ErrorNotice, Field, PasswordInput, TextInput } from '../../ui/components';
import { AuthLayout } from '../login/AuthLayout';
import { PasswordRules } from './PasswordRules';
import { passwordRules, usernameValid } from './password-rules';

/** First run: nobody exists yet, so whoever opens the dashboard creates the first administrator. */
export function SetupPage({ client, onDone }: { client: ApiClient; onDone: () => void }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('admin');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const rules = passwordRules(password, username, confirmation);
  const valid = usernameValid(username) && rules.every((r) => r.ok);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (!valid) return;
    setBusy(true);
    setError(undefined);
    try {
      await client.setup({
        username: username.trim(),
        password,
        ...(email.trim() ? { email: email.trim() } : {}),
      });
      onDone();
    } catch (reason) {
      setError(reason);
      setBusy(false);
    }
  };

  return (
    <AuthLayout title={t('setup.title')} intro={t('setup.intro')}>
      <form onSubmit={(e) => void submit(e)} noValidate data-testid="setup-form">
        <Field
          label={t('setup.username')}
          hint={t('setup.usernameHint')}
          error={username && !usernameValid(username) ? t('setup.usernameInvalid') : undefined}
        >
          {(p) => (
            <TextInput
              {...p}
              name="username"
              autoComplete="username"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              required
            />
          )}
        </Field>
        <Field label={t('setup.email')} hint={t('setup.emailHint')}>
          {(p) => (
            <TextInput
              {...p}
              name="email"
              type="email"
              autoComplete="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('setup.password')}>
          {(p) => (
            <PasswordInput
              {...p}
              name="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          )}
        </Field>
        <Field label={t('setup.confirm')}>
          {(p) => (
            <PasswordInput
              {...p}
              name="confirm"
              autoComplete="new-password"
              value={confirmation}
              onChange={(e) => setConfirmation(e.target.value)}
              required
            />
          )}
        </Field>
        <PasswordRules rules={rules} />
        {error !== undefined && <ErrorNotice error={error} />}
        <Button type="submit" variant="primary" className="btn-block" busy={busy} disabled={!valid}>
          {t('setup.submit')}
        </Button>
      </form>
    </AuthLayout>
  );
}

import {
  type ButtonHTMLAttributes,
  type ComponentProps,
  type ReactNode,
  useEffect,
  useId,
  useState,
} from 'react';
import { describeError } from '../api/errors';
import { useI18n } from '../i18n/i18n';

type Variant = 'primary' | 'secondary' | 'danger' | 'ghost';

export function Button({
  variant = 'secondary',
  busy = false,
  className,
  children,
  disabled,
  type = 'button',
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; busy?: boolean }) {
  return (
    <button
      type={type}
      className={`btn btn-${variant}${className ? ` ${className}` : ''}`}
      disabled={(disabled ?? false) || busy}
      aria-busy={busy || undefined}
      {...rest}
    >
      {busy && <span className="spinner spinner-inline" aria-hidden="true" />}
      {children}
    </button>
  );
}

export function Card({
  title,
  actions,
  children,
  className,
  ...rest
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  'data-testid'?: string;
}) {
  return (
    <section className={`card${className ? ` ${className}` : ''}`} {...rest}>
      {(title !== undefined || actions !== undefined) && (
        <header className="card-header">
          {title !== undefined && <h2 className="card-title">{title}</h2>}
          {actions !== undefined && <div className="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: ReactNode;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
        ...(error ? { 'aria-invalid': true } : {}),
      })}
      {hint && (
        <div className="field-hint" id={hintId}>
          {hint}
        </div>
      )}
      {error && (
        <div className="field-error" id={errorId}>
          {error}
        </div>
      )}
    </div>
  );
}

export function TextInput(props: ComponentProps<'input'>) {
  return <input className="input" {...props} />;
}

/** A password field with a show/hide toggle. */
export function PasswordInput(props: ComponentProps<'input'>) {
  const { t } = useI18n();
  const [shown, setShown] = useState(false);
  return (
    <div className="password-input">
      <input className="input" {...props} type={shown ? 'text' : 'password'} />
      <button
        type="button"
        className="btn btn-ghost btn-small"
        onClick={() => setShown((s) => !s)}
        aria-pressed={shown}
        aria-label={shown ? t('common.hidePassword') : t('common.showPassword')}
      >
        {shown ? t('common.hide') : t('common.show')}
      </button>
    </div>
  );
}

export function Notice({
  kind = 'info',
  children,
  ...rest
}: {
  kind?: 'info' | 'error' | 'success' | 'warning';
  children: ReactNode;
  'data-testid'?: string;
}) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'} {...rest}>
      {children}
    </div>
  );
}

/** An error from the API in plain words, with a retry button when one helps. */
export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const i18n = useI18n();
  return (
    <Notice kind="error">
      <span>{describeError(error, { has: i18n.has, t: i18n.tx, duration: i18n.duration })}</span>
      {onRetry && (
        <Button variant="ghost" className="btn-small" onClick={onRetry}>
          {i18n.t('common.retry')}
        </Button>
      )}
    </Notice>
  );
}

/** `describeError` bound to the current language. */
export function useErrorText(): (error: unknown) => string {
  const i18n = useI18n();
  return (error) => describeError(error, { has: i18n.has, t: i18n.tx, duration: i18n.duration });
}

export function Badge({
  tone = 'neutral',
  children,
}: {
  tone?: 'neutral' | 'ok' | 'warn' | 'bad' | 'info';
  children: ReactNode;
}) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

export function Spinner({ label }: { label: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function EmptyState({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

export function CopyButton({ text, label }: { text: string; label?: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return undefined;
    const id = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(id);
  }, [copied]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Plain http has no async clipboard: fall back to a selection copy.
      const area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.append(area);
      area.select();
      // Deprecated, and still the only copy that works on a plain-http page (no async clipboard there).
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      document.execCommand('copy');
      area.remove();
    }
    setCopied(true);
  };
  return (
    <Button className="btn-small" onClick={() => void copy()} aria-live="polite">
      {copied ? t('common.copied') : (label ?? t('common.copy'))}
    </Button>
  );
}

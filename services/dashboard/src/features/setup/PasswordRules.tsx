import { useI18n } from '../../i18n/i18n';
import type { Rule } from './password-rules';

/** The rules as a live checklist (announced politely to screen readers). */
export function PasswordRules({ rules, id }: { rules: Rule[]; id?: string }) {
  const { t } = useI18n();
  return (
    <ul className="rules" id={id} aria-live="polite" data-testid="password-rules">
      {rules.map((rule) => (
        <li key={rule.key} className={rule.ok ? 'rule-ok' : 'rule-open'} data-ok={rule.ok}>
          <span aria-hidden="true">{rule.ok ? '✓' : '○'}</span> {t(rule.key)}
          <span className="visually-hidden">
            {rule.ok ? ` (${t('password.ruleMet')})` : ` (${t('password.ruleOpen')})`}
          </span>
        </li>
      ))}
    </ul>
  );
}

import { LANGS, type Lang, useI18n } from '../i18n/i18n';

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang-switch">
      <span className="visually-hidden">{t('app.language')}</span>
      <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} data-testid="language">
        {LANGS.map((l) => (
          <option key={l} value={l}>
            {l === 'de' ? 'Deutsch' : 'English'}
          </option>
        ))}
      </select>
    </label>
  );
}

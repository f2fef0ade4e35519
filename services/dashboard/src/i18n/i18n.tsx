import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { de, type MessageKey } from './de';
import { en } from './en';

/**
 * Every text the dashboard shows goes through here. German is the default (the office's language),
 * English can be chosen and is remembered per browser. Dictionaries are plain objects; `en` is typed
 * against `de`'s keys, so a missing translation does not compile (and a unit test checks placeholders).
 */
export type Lang = 'de' | 'en';
export type Params = Record<string, string | number>;

export const LANGS: readonly Lang[] = ['de', 'en'];
export const dictionaries: Record<Lang, Record<MessageKey, string>> = { de, en };
const STORAGE_KEY = 'arasul.lang';
const LOCALES: Record<Lang, string> = { de: 'de-DE', en: 'en-GB' };

export interface I18n {
  lang: Lang;
  locale: string;
  t: (key: MessageKey, params?: Params) => string;
  /** For keys built at run time (error codes, metric names): the key itself when unknown. */
  tx: (key: string, params?: Params) => string;
  has: (key: string) => boolean;
  number: (value: number, digits?: number) => string;
  dateTime: (iso: string | number | Date) => string;
  time: (iso: string | number | Date) => string;
  /** "vor 3 Minuten" / "3 minutes ago". */
  relative: (iso: string | number | Date, now?: number) => string;
  /** A wait: "45 Sekunden", "15 Minuten", "2 Stunden". */
  duration: (seconds: number) => string;
  bytes: (value: number) => string;
}

export function interpolate(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (match, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : match,
  );
}

export function createI18n(lang: Lang): I18n {
  const dict = dictionaries[lang] as Record<string, string>;
  const locale = LOCALES[lang];
  const numberFormats = new Map<number, Intl.NumberFormat>();
  const numberFormat = (digits: number) => {
    let format = numberFormats.get(digits);
    if (!format) {
      format = new Intl.NumberFormat(locale, {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
      numberFormats.set(digits, format);
    }
    return format;
  };
  const dateTimeFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const timeFormat = new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const relativeFormat = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const tx = (key: string, params?: Params) => interpolate(dict[key] ?? key, params);
  const unit = (value: number, one: string, many: string) => tx(value === 1 ? one : many, { n: value });

  return {
    lang,
    locale,
    t: (key, params) => tx(key, params),
    tx,
    has: (key) => Object.prototype.hasOwnProperty.call(dict, key),
    number: (value, digits = 0) => numberFormat(digits).format(value),
    dateTime: (value) => dateTimeFormat.format(new Date(value)),
    time: (value) => timeFormat.format(new Date(value)),
    relative: (value, now = Date.now()) => {
      const seconds = Math.round((new Date(value).getTime() - now) / 1000);
      const abs = Math.abs(seconds);
      if (abs < 45) return relativeFormat.format(0, 'second');
      if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), 'minute');
      if (abs < 86_400) return relativeFormat.format(Math.round(seconds / 3600), 'hour');
      return relativeFormat.format(Math.round(seconds / 86_400), 'day');
    },
    duration: (seconds) => {
      const s = Math.max(1, Math.ceil(seconds));
      if (s < 90) return unit(s, 'unit.second', 'unit.seconds');
      // Whole minutes/hours, rounded: a 900-second lock reads "15 minutes", not "16".
      if (s < 90 * 60) return unit(Math.round(s / 60), 'unit.minute', 'unit.minutes');
      return unit(Math.round(s / 3600), 'unit.hour', 'unit.hours');
    },
    bytes: (value) => {
      const units = ['B', 'KB', 'MB', 'GB', 'TB'];
      let v = value;
      let i = 0;
      while (v >= 1000 && i < units.length - 1) {
        v /= 1000;
        i += 1;
      }
      return `${numberFormat(v >= 100 || i === 0 ? 0 : 1).format(v)} ${units[i]}`;
    },
  };
}

const I18nContext = createContext<(I18n & { setLang: (lang: Lang) => void }) | null>(null);

function initialLang(): Lang {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'de' || stored === 'en') return stored;
  } catch {
    // Storage may be blocked; German it is.
  }
  return 'de';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not remembered, still switched.
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo(() => ({ ...createI18n(lang), setLang }), [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n & { setLang: (lang: Lang) => void } {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}

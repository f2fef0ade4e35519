import { createI18n, dictionaries, interpolate, LANGS } from './i18n';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n', () => {
  it('has every key in every language, none empty, with the same placeholders', () => {
    const reference = dictionaries.de;
    for (const lang of LANGS) {
      const dict = dictionaries[lang];
      expect({ lang, keys: Object.keys(dict).sort() }).toEqual({ lang, keys: Object.keys(reference).sort() });
      for (const [key, text] of Object.entries(dict)) {
        expect({ lang, key, empty: text.trim() === '' }).toEqual({ lang, key, empty: false });
        expect({ lang, key, placeholders: placeholders(text) }).toEqual({
          lang,
          key,
          placeholders: placeholders(reference[key as keyof typeof reference]),
        });
      }
    }
  });

  it('names every error code the platform documents for people', () => {
    const codes = [
      'invalid_credentials',
      'login_locked',
      'account_locked',
      'rate_limited',
      'auth_busy',
      'setup_done',
      'csrf_failed',
      'username_taken',
      'last_admin',
      'invalid_current_password',
      'password_reused',
      'backend_unavailable',
      'model_not_installed',
      'queue_full',
      'upstream_unavailable',
    ];
    for (const lang of LANGS) {
      const i18n = createI18n(lang);
      for (const code of codes)
        expect({ lang, code, known: i18n.has(`errors.${code}`) }).toEqual({ lang, code, known: true });
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(interpolate('Platz {position} von {total}', { position: 2 })).toBe('Platz 2 von {total}');
  });

  it('formats waits, numbers and sizes per language', () => {
    const de = createI18n('de');
    const en = createI18n('en');
    expect(de.duration(1)).toBe('1 Sekunde');
    expect(de.duration(900)).toBe('15 Minuten');
    expect(de.duration(901)).toBe('15 Minuten');
    expect(en.duration(7200)).toBe('2 hours');
    expect(de.number(12.345, 1)).toBe('12,3');
    expect(en.number(12.345, 1)).toBe('12.3');
    expect(de.bytes(512_000_000_000)).toBe('512 GB');
    expect(en.t('chat.queuedEta', { position: 3, eta: en.duration(30) })).toBe(
      'In the queue: position 3, about 30 seconds',
    );
    expect(de.tx('no.such.key')).toBe('no.such.key');
  });
});

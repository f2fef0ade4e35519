const GERMAN = new Set(
  'der die das und ist nicht mit sich des auf für ein eine einer dem den von zu im ich sie es wir auch als an bei nach wird werden oder aus wie über noch zum zur sind hat vom durch'.split(
    ' ',
  ),
);
const ENGLISH = new Set(
  'the and is are not with of to in for on that this it be by as at from or an was were will which have has can if'.split(
    ' ',
  ),
);

/** `de` or `en` by counting common function words in a sample; `null` when neither stands out. */
export function detectLanguage(text: string): 'de' | 'en' | null {
  let de = 0;
  let en = 0;
  for (const word of text
    .slice(0, 50_000)
    .toLowerCase()
    .split(/[^a-zäöüß]+/)) {
    if (GERMAN.has(word)) de += 1;
    if (ENGLISH.has(word)) en += 1;
  }
  if (de + en < 3) return null;
  if (/[äöüß]/i.test(text.slice(0, 50_000))) de += 2;
  return de >= en ? 'de' : 'en';
}

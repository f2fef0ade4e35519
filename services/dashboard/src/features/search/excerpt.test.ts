import { excerptSegments } from './excerpt';

describe('search excerpts', () => {
  it('splits marked terms from the rest and unescapes both, so markup in documents stays text', () => {
    expect(excerptSegments('Die <mark>Kündigungsfrist</mark> &lt;b&gt; &amp; <mark>Frist</mark>')).toEqual([
      { text: 'Die ', marked: false },
      { text: 'Kündigungsfrist', marked: true },
      { text: ' <b> & ', marked: false },
      { text: 'Frist', marked: true },
    ]);
  });

  it('keeps an unclosed mark as text', () => {
    expect(excerptSegments('a <mark>b')).toEqual([{ text: 'a <mark>b', marked: false }]);
  });
});

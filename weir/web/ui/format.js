// Numbers for people, by the rule `weir` uses in the terminal (FormatNumber and FormatPercent in
// weir/views/text.h): weir/views/testdata/numbers.json holds the cases both are tested on.

export const DASH = '–';

// About four significant digits in at most ten columns: whole numbers in full up to ten digits
// (timestamps stay exact), magnitudes from 1e7 up or below 1e-3 in exponent form ("1.409e9"),
// the rest with 3 - floor(log10 |x|) decimals (0 to 4) and no trailing zeros; "nan", "inf",
// "-inf". null and undefined are a dash; anything not a number is shown as it is.
export function fmtNum(x) {
  if (x === null || x === undefined) return DASH;
  if (typeof x !== 'number') return String(x);
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const abs = Math.abs(x);
  if (abs === 0) return '0';
  if (Number.isInteger(x) && abs < 1e10) return x.toFixed(0);
  if (abs >= 1e7 || abs < 1e-3) {
    const [mantissa, exponent] = x.toExponential(3).split('e');
    return `${mantissa}e${exponent.startsWith('-') ? '-' : ''}${exponent.replace(/^[+-]0*/, '')}`;
  }
  const decimals = Math.min(4, Math.max(0, 3 - Math.floor(Math.log10(abs))));
  let text = x.toFixed(decimals);
  if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return text;
}

// A share in [0, 1] as "12.5%", "<0.1%", "0%" or "100%"; a dash when unknown.
export function fmtPct(fraction) {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return DASH;
  const pct = fraction * 100;
  if (pct <= 0) return '0%';
  if (pct < 0.1) return '<0.1%';
  if (pct >= 100) return '100%';
  return `${pct.toFixed(1)}%`;
}

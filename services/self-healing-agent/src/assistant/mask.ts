/** Masks what looks like a secret before log lines leave the box's own files (into an LLM prompt). */
const PATTERNS: [RegExp, string][] = [
  [/(authorization:\s*(?:bearer|basic)\s+)\S+/gi, '$1***'],
  [
    /\b((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi,
    '$1***',
  ],
  [/\b(postgres(?:ql)?|amqps?|redis|mongodb|https?):\/\/([^:/\s]+):[^@\s]+@/gi, '$1://$2:***@'],
  [/\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}\b/g, '***jwt***'],
  [/\baras_[A-Za-z0-9_-]{8,}\b/g, 'aras_***'],
];

export function maskSecrets(text: string): string {
  let masked = text;
  for (const [pattern, replacement] of PATTERNS) masked = masked.replace(pattern, replacement);
  return masked;
}

import { runTool } from './external-tools';

export interface OcrOptions {
  tesseractBin: string;
  languages: string;
  timeoutMs: number;
}

/** The text Tesseract reads from one image file; throws when Tesseract fails on it. */
export async function ocrImage(path: string, options: OcrOptions, signal?: AbortSignal): Promise<string> {
  const result = await runTool(
    options.tesseractBin,
    [path, 'stdout', '-l', options.languages, '--psm', '3'],
    {
      timeoutMs: options.timeoutMs,
      signal,
    },
  );
  if (result.code !== 0) throw new Error(`tesseract failed: ${result.stderr.trim().slice(0, 300)}`);
  return result.stdout;
}

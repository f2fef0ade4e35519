import type { SpaceDto } from '@arasul/contracts';
import { useI18n } from '../../i18n/i18n';

/** "Dokumente verwenden": answer from the documents (all spaces, or one). */
export function RagOptions({
  enabled,
  onEnabled,
  space,
  onSpace,
  spaces,
  disabled,
}: {
  enabled: boolean;
  onEnabled: (enabled: boolean) => void;
  space: string;
  onSpace: (space: string) => void;
  spaces: SpaceDto[] | undefined;
  disabled: boolean;
}) {
  const { t } = useI18n();
  return (
    <div className="rag-options">
      <label className="switch">
        <input
          type="checkbox"
          role="switch"
          checked={enabled}
          onChange={(e) => {
            onEnabled(e.target.checked);
          }}
          disabled={disabled}
          data-testid="rag-switch"
        />
        <span>{t('rag.useDocuments')}</span>
      </label>
      {enabled && (
        <label className="model-picker">
          <span>{t('rag.space')}</span>
          <select
            value={space}
            onChange={(e) => {
              onSpace(e.target.value);
            }}
            disabled={disabled}
            data-testid="rag-space"
          >
            <option value="">{t('rag.allSpaces')}</option>
            {(spaces ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      )}
    </div>
  );
}

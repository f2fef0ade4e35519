import type { InstalledModels } from '@arasul/contracts';
import { useI18n } from '../../i18n/i18n';

/** The conversation's title and the model picker (empty value: the platform's default model). */
export function ChatHeader({
  title,
  models,
  model,
  onModel,
  disabled,
}: {
  title: string;
  models: InstalledModels | undefined;
  model: string;
  onModel: (model: string) => void;
  disabled: boolean;
}) {
  const { t } = useI18n();
  const installed = models?.items.filter((m) => m.status === 'available') ?? [];
  const defaultModel = installed.find((m) => m.isDefault);
  return (
    <header className="chat-header">
      <h1 className="chat-title">{title}</h1>
      <label className="model-picker">
        <span>{t('chat.model')}</span>
        <select
          value={model}
          onChange={(e) => {
            onModel(e.target.value);
          }}
          data-testid="model-picker"
          disabled={disabled}
        >
          <option value="">
            {defaultModel ? t('chat.defaultModelNamed', { name: defaultModel.name }) : t('chat.defaultModel')}
          </option>
          {installed.map((m) => (
            <option key={m.name} value={m.name}>
              {m.catalog?.name ? `${m.catalog.name} (${m.name})` : m.name}
              {m.isDefault ? ` · ${t('chat.default')}` : ''}
            </option>
          ))}
        </select>
      </label>
    </header>
  );
}

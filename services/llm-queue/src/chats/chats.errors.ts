import { NotFoundError } from '@arasul/service-kit';

/** Also for someone else's chat: nobody learns that it exists. */
export class ConversationNotFoundError extends NotFoundError {
  constructor() {
    super('No such conversation.', 'conversation_not_found');
  }
}

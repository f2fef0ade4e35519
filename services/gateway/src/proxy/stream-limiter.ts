/**
 * Open Server-Sent-Events responses per user (an API key's streams count towards its creator), in this
 * gateway process. One user must not hold every connection the gateway and the services can keep open.
 */
export class StreamLimiter {
  private readonly open = new Map<number, number>();

  constructor(readonly perUser: number) {}

  /** Takes a place for `userId`; false when the user is at the cap. Give it back with `release`. */
  tryOpen(userId: number): boolean {
    const count = this.open.get(userId) ?? 0;
    if (count >= this.perUser) return false;
    this.open.set(userId, count + 1);
    return true;
  }

  release(userId: number): void {
    const left = (this.open.get(userId) ?? 1) - 1;
    if (left <= 0) this.open.delete(userId);
    else this.open.set(userId, left);
  }

  total(): number {
    let sum = 0;
    for (const count of this.open.values()) sum += count;
    return sum;
  }
}

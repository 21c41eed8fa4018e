import type { SqlDatabase, SqlStatement } from './sqlPort.js';

/** Prepares each SQL text once per connection; the hot paths reuse the prepared statement. */
export class StatementCache {
  readonly #statements = new Map<string, SqlStatement>();

  constructor(private readonly db: SqlDatabase) {}

  get(sql: string): SqlStatement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

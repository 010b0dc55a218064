/**
 * Limits that keep a long-running chat server's memory bounded without cutting healthy readers: the
 * slow-consumer policy ({@link io.chorus.server.limits.SlowConsumerPolicy}, applied per member by
 * {@link io.chorus.server.limits.SlowConsumerGuard}), the global
 * {@link io.chorus.server.limits.OutboundBudget}, the {@link io.chorus.server.limits.HistoryBudget} and the
 * {@link io.chorus.server.limits.MessageIds} that keep message ids unique across room lifetimes and runs.
 *
 * <p>Each class is self-contained and tested on its own with fake members and fake time. How the chat
 * core uses them, and on which thread:
 * <ul>
 *   <li>One {@code OutboundBudget(config.effectiveMaxOutboundMemory())}, one
 *       {@code HistoryBudget(config.historyMemory())} and one {@code MessageIds()} per server, held by
 *       {@code ChatService}; the ids go to the {@code RoomRegistry}, the run id into the welcome.</li>
 *   <li>Each member implements {@link io.chorus.server.limits.OutboundMember} and creates one
 *       {@code SlowConsumerGuard(member, config.slowConsumerPolicy(), budget)} on its event loop. It calls
 *       {@code guard.check()} on that loop before writing output that others caused (and releases and drops
 *       that output when it answers false), after the flush an outbox drain owes it, and on a
 *       writability change; and {@code guard.close()} when the connection closes. The guard schedules its
 *       own re-check on the member's loop while the member is over the soft limit.</li>
 *   <li>Each room implements {@link io.chorus.server.limits.HistoryBudget.Owner}, opens a ledger when it is
 *       created, adds {@code HistoryBudget.estimate(nick, text)} for each stored message, removes it for each
 *       message its count limit drops, and closes the ledger when it is disposed; all on its executor.</li>
 * </ul>
 */
package io.chorus.server.limits;

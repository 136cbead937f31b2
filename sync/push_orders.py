"""Push of order rows: order.create (box-office sale upload, extension `orders-upload`), order.update
(UpdateOrder, API.md §2.5), order.confirm (ConfirmOrder after a state check, WR-03 b; with the hub's `payments`
extension the till's payment goes with it and the hub decides, issue 8 item 12) and order.cancel
(CancelOrder, extension `order-cancel`, issue 8 item 8). A box-office sale a plain server cannot take stays
local-only: its rows are skipped and stay pending (WR-15); so does a cancel the server has no call for."""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import outbox
from core.models import Payment
from core.review import ReviewKind, raise_item
from core.sales import payment_to_api
from core.orders import form_value
from core.status import SETTLED  # PAID/FREE: confirming them again is pointless
from sync import conflicts
from sync.apply import order_from_api
from sync.errors import ApiError
from sync.handler import Item, Outcome, PushContext, SingleRowHandler

ALREADY_PAID = "ORDER_ALREADY_PAID"  # the hub's 409 for a second payment (docs/HUB_EXTENSIONS.md "Payments")


class OrderHandler(SingleRowHandler):
    """Outbox kinds order.create / order.update / order.confirm / order.cancel."""

    def handle(self, ctx: PushContext, batch: list[Item]) -> Outcome:
        """Send one row; rows of a local-only sale are skipped (left pending)."""
        item = batch[0]
        if item.entity_key in ctx.local_only:
            if item.kind == outbox.ORDER_CREATE:
                ctx.result.local_only.append(item.entity_key)
            return Outcome(skipped=[item.id])
        return super().handle(ctx, batch)


def local_only_orders(items: list[Item], has_upload: bool) -> set[str]:
    """Order numbers of box-office sales a plain server cannot take (no order-creation call, WR-15):
    every order.create in `items` unless the server has the `orders-upload` extension."""
    if has_upload:
        return set()
    return {it.entity_key for it in items if it.kind == outbox.ORDER_CREATE}


def _create(ctx: PushContext, item: Item) -> Outcome:
    """Box-office sale upload (extension `orders-upload`); the hub keeps it even over capacity (BC-26)."""
    answer = ctx.api.upload_order(item.event_id, item.payload.get("order") or {},
                                  idempotency_key=item.idempotency_key)
    oversold = [o for o in answer.get("oversold") or [] if isinstance(o, dict)]
    for entry in oversold:
        entry = {**entry, "orderNumber": item.entity_key}
        ctx.result.oversold.append(entry)
        ctx.result.warnings.append(
            f"oversold: {entry.get('name') or entry.get('definitionId')} "
            f"{entry.get('sold')}/{entry.get('quantity')} (order {item.entity_key})")
    return Outcome(done=[item.id], apply=lambda s: order_from_api(s, answer["order"], item.event_id))


def _update(ctx: PushContext, item: Item) -> Outcome:
    """UpdateOrder (API.md §2.5) field by field (issue 8 item 3): GET the order, merge each changed path
    against the `base` the editor started from (sync.conflicts.three_way), PATCH only the inputs / flag
    changed here alone (checkoutForm carries just those inputs: the contract's own shape, merged by inputName
    on the server), and store a path changed on both sides as a conflict (the row counts as sent). A row
    queued before field-level updates (no `base`) is sent as it was."""
    p, number = item.payload, item.payload.get("orderNumber") or item.entity_key
    if not isinstance(p.get("base"), dict):
        fields = p.get("fields") or []
        fields = fields.split(",") if isinstance(fields, str) else list(fields)
        order = ctx.api.update_order(item.event_id, number, fields, checkout_form=p.get("checkoutForm"),
                                     archived=p.get("archived"), idempotency_key=item.idempotency_key)
        return Outcome(done=[item.id], apply=lambda s: order_from_api(s, order, item.event_id))
    current = ctx.api.get_order(item.event_id, number)
    mine = {f"{conflicts.FORM_PREFIX}{i.get('inputName')}": form_value(i)
            for i in (p.get("checkoutForm") or {}).get("inputValues") or []}
    if "archived" in p:
        mine["archived"] = p["archived"]
    patch, clashes = conflicts.three_way(outbox.changed_paths(p), p["base"], mine, _server_values(current))
    answer = current
    if patch:
        inputs = [i for i in (p.get("checkoutForm") or {}).get("inputValues") or []
                  if f"{conflicts.FORM_PREFIX}{i.get('inputName')}" in patch]
        mask = (["checkoutForm"] if inputs else []) + (["archived"] if "archived" in patch else [])
        answer = ctx.api.update_order(item.event_id, number, mask,
                                      checkout_form={"inputValues": inputs} if inputs else None,
                                      archived=p.get("archived") if "archived" in patch else None,
                                      idempotency_key=item.idempotency_key)
    note = conflicts.report_clashes(ctx.result, "order", number, clashes)

    def apply(s: Session) -> None:
        if clashes:
            conflicts.store(s, item.event_id, number, clashes, conflicts.ORDER)
        order_from_api(s, answer, item.event_id)
    return Outcome(done=[item.id], apply=apply, notes={item.id: note})


def _server_values(order: dict) -> dict:
    """The server's order as flat {path: value} (sync.conflicts paths); only what the answer carried."""
    out = {}
    form = order.get("checkoutForm")
    if isinstance(form, dict):
        for entry in form.get("inputValues") or []:
            if isinstance(entry, dict) and entry.get("inputName"):
                out[f"{conflicts.FORM_PREFIX}{entry['inputName']}"] = form_value(entry)
        for name, key in (("firstName", "firstName"), ("lastName", "lastName"), ("email", "email")):
            if f"{conflicts.FORM_PREFIX}{name}" not in out and isinstance(order.get(key), str):
                out[f"{conflicts.FORM_PREFIX}{name}"] = order[key]
    if isinstance(order.get("archived"), bool):
        out["archived"] = order["archived"]
    return out


def _confirm(ctx: PushContext, item: Item) -> Outcome:
    """ConfirmOrder. An order this station took money for goes up with its payment when the hub has the
    `payments` extension (_paid_confirm). Otherwise the state is checked first: GET the order and confirm only
    if not PAID/FREE (WR-03 b); a payment stays local and is reported, and one taken for an order the server
    already has settled is a review item (refund)."""
    numbers = item.payload.get("orderNumber") or [item.entity_key]
    numbers = [numbers] if isinstance(numbers, str) else list(numbers)
    taken = _taken(ctx, numbers)
    if len(numbers) == 1 and numbers[0] in taken and ctx.discovery.has("payments"):
        return _paid_confirm(ctx, item, numbers[0], taken[numbers[0]])
    answers, todo = [], []
    for number in numbers:
        current = ctx.api.get_order(item.event_id, number)
        (answers if current.get("status") in SETTLED else todo).append(current)
    settled = [o.get("orderNumber") for o in answers if o.get("orderNumber") in taken]
    if todo:
        answers += ctx.api.confirm_orders(item.event_id, [o["orderNumber"] for o in todo],
                                          idempotency_key=item.idempotency_key)
    note = "" if todo else "already settled on the server; not confirmed again"
    for number in sorted(set(taken) - set(settled)):
        ctx.result.warnings.append(f"the payment of order {number} stays on this station: this server takes no "
                                   f"payments")

    def apply(s: Session) -> None:
        for order in answers:
            order_from_api(s, order, item.event_id)
        for number in settled:
            _second_payment(s, item, number, taken[number], f"order {number} was already settled on the server")
    return Outcome(done=[item.id], apply=apply, notes={item.id: note})


def _paid_confirm(ctx: PushContext, item: Item, number: str, payment: dict) -> Outcome:
    """ConfirmOrder with the payment (extension `payments`). 409 ORDER_ALREADY_PAID (paid at another station,
    or centrally): the row is rejected with the hub's reason and a review item tells this box office to refund."""
    try:
        answers = ctx.api.confirm_orders(item.event_id, [number], payment=payment,
                                         idempotency_key=item.idempotency_key)
    except ApiError as exc:
        if exc.code != ALREADY_PAID:
            raise
        why = exc.body.get("message") or exc.message
        return Outcome(rejected={item.id: exc.message},
                       apply=lambda s: _second_payment(s, item, number, payment, why))

    def apply(s: Session) -> None:
        for order in answers:
            order_from_api(s, order, item.event_id)
    return Outcome(done=[item.id], apply=apply)


def _taken(ctx: PushContext, numbers: list[str]) -> dict[str, dict]:
    """{order number: payment JSON (core.sales.payment_to_api)} of the latest payment this ledger holds for
    each of `numbers`; a payment older than revision 0102 gets a payment id derived from its row id."""
    with ctx.ledger.uow() as uow:
        rows = uow.session.scalars(select(Payment).where(Payment.order_number.in_(numbers)).order_by(Payment.id))
        out = {}
        for p in rows:
            body = payment_to_api(p)
            body.setdefault("paymentId", str(uuid.uuid5(uuid.NAMESPACE_URL, f"tessera-payment:{p.order_number}:"
                                                                             f"{p.id}:{p.created.isoformat()}")))
            out[p.order_number] = body
        return out


def _second_payment(session: Session, item: Item, number: str, payment: dict, why: str) -> None:
    """The review item of money taken here for order `number`, already paid elsewhere (issue 8 item 12)."""
    amount = payment.get("amount") or {}
    raise_item(session, ReviewKind.SECOND_PAYMENT, f"{number}:{payment.get('paymentId')}",
               f"refund the customer: {why} (this station took {amount.get('value')} {amount.get('currency')} "
               f"{payment.get('method')})", event_id=item.event_id, entity=number,
               details={"orderNumber": number, "payment": payment})


def _cancel(ctx: PushContext, item: Item) -> Outcome:
    """CancelOrder (extension `order-cancel`); without it the row waits (a plain server cannot cancel)."""
    if not ctx.discovery.has("order-cancel"):
        ctx.result.warnings.append(f"order {item.entity_key} stays canceled only here: this server has no "
                                   f"cancel call")
        return Outcome(skipped=[item.id])
    order = ctx.api.cancel_order(item.event_id, item.payload.get("orderNumber") or item.entity_key,
                                 idempotency_key=item.idempotency_key)
    return Outcome(done=[item.id], apply=lambda s: order_from_api(s, order, item.event_id))


HANDLER = OrderHandler({outbox.ORDER_CREATE: _create, outbox.ORDER_UPDATE: _update,
                        outbox.ORDER_CONFIRM: _confirm, outbox.ORDER_CANCEL: _cancel})

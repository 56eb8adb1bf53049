-- A view, so that the demo shows one next to the tables.
create view order_totals as
select o.id as order_id,
       o.customer_id,
       o.ordered_on,
       o.status,
       sum(i.quantity * i.unit_price) as total
from orders o
join order_items i on i.order_id = o.id
group by o.id, o.customer_id, o.ordered_on, o.status;

-- The demo shop: customers place orders of products. Written in the SQL that
-- SQLite and PostgreSQL share, so the same files seed both (the tests load
-- them into a real PostgreSQL server too).

create table customers (
  id integer primary key,
  name text not null,
  email text not null unique,
  country text not null,
  signed_up_on date not null
);

create table products (
  id integer primary key,
  name text not null unique,
  category text not null,
  price numeric(10, 2) not null check (price > 0)
);

create table orders (
  id integer primary key,
  customer_id integer not null references customers (id),
  ordered_on date not null,
  status text not null check (status in ('pending', 'shipped', 'delivered', 'cancelled'))
);

create table order_items (
  order_id integer not null references orders (id),
  product_id integer not null references products (id),
  quantity integer not null check (quantity > 0),
  -- The price paid, which may differ from today's products.price.
  unit_price numeric(10, 2) not null,
  primary key (order_id, product_id)
);

create index orders_customer_id on orders (customer_id);
create index order_items_product_id on order_items (product_id);

;; Cart queries.

(defquery cart cart-summary (&key user_id)
  "Item count and total (in pence, sale prices applied) of a user's cart."
  :params {:user_id :int}
  :returns :one
  :shape {:items :int :total_pence :int}
  :example {:user_id 4}
  :sql "SELECT coalesce(sum(i.quantity), 0)::int AS items,
               coalesce(sum(i.quantity * coalesce(p.sale_price_pence, p.price_pence)), 0)::int AS total_pence
          FROM carts c
          LEFT JOIN cart_items i ON i.cart_id = c.id
          LEFT JOIN products p ON p.id = i.product_id
         WHERE c.user_id = :user_id")

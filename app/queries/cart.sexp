;; Cart queries and actions. A cart belongs to the signed-in user (user_id) or,
;; for a visitor who has not signed in, to their session (session_key).

(defquery cart cart-summary (&key (user_id nil) (session_key nil))
  "Item count and total (in pence, sale prices applied) of a cart."
  :params {:user_id :int :session_key :text}
  :returns :one
  :shape {:items :int :total_pence :int}
  :example {:user_id 4}
  :sql "SELECT coalesce(sum(i.quantity), 0)::int AS items,
               coalesce(sum(i.quantity * CASE WHEN p.on_sale THEN p.sale_price_pence ELSE p.price_pence END), 0)::int AS total_pence
          FROM carts c
          JOIN cart_items i ON i.cart_id = c.id
          JOIN products p ON p.id = i.product_id
         WHERE (c.user_id = :user_id::int OR (:user_id::int IS NULL AND c.session_key = :session_key::text))")

(defquery cart cart-items (&key (user_id nil) (session_key nil))
  "The lines of a cart, oldest first, with prices (sale prices applied)."
  :params {:user_id :int :session_key :text}
  :returns :many
  :shape {:product_id :int :slug :text :name :text :quantity :int :stock :int
          :unit_pence :int :line_pence :int}
  :example {:user_id 4}
  :sql "SELECT p.id AS product_id, p.slug, p.name, i.quantity, p.stock,
               CASE WHEN p.on_sale THEN p.sale_price_pence ELSE p.price_pence END AS unit_pence,
               i.quantity * CASE WHEN p.on_sale THEN p.sale_price_pence ELSE p.price_pence END AS line_pence
          FROM carts c
          JOIN cart_items i ON i.cart_id = c.id
          JOIN products p ON p.id = i.product_id
         WHERE (c.user_id = :user_id::int OR (:user_id::int IS NULL AND c.session_key = :session_key::text))
         ORDER BY i.added_at, p.id")

(defaction cart add-item (&key (user_id nil) (session_key nil) product_id (quantity 1))
  "Add a product to the cart (created on first use), never beyond the stock. Returns the new quantity, or nil when the product is unknown or out of stock."
  :params {:user_id :int :session_key :text :product_id :int :quantity :int}
  :returns :value
  :shape {:quantity :int}
  :example {:session_key "anon-example" :product_id 1}
  :sql "WITH existing AS (
          SELECT id FROM carts
           WHERE (user_id = :user_id::int OR (:user_id::int IS NULL AND session_key = :session_key::text))
        ), created AS (
          INSERT INTO carts (user_id, session_key)
          SELECT :user_id::int, CASE WHEN :user_id::int IS NULL THEN :session_key::text END
           WHERE NOT EXISTS (SELECT 1 FROM existing)
          RETURNING id
        ), target AS (
          SELECT id FROM existing UNION ALL SELECT id FROM created
        )
        INSERT INTO cart_items (cart_id, product_id, quantity)
        SELECT target.id, p.id, least(greatest(:quantity::int, 1), p.stock)
          FROM target, products p
         WHERE p.id = :product_id AND p.stock > 0
        ON CONFLICT (cart_id, product_id) DO UPDATE
          SET quantity = least(cart_items.quantity + EXCLUDED.quantity,
                               (SELECT stock FROM products WHERE id = EXCLUDED.product_id)),
              added_at = cart_items.added_at
        RETURNING quantity")

(defaction cart remove-item (&key (user_id nil) (session_key nil) product_id)
  "Take a product out of the cart."
  :params {:user_id :int :session_key :text :product_id :int}
  :returns :none
  :example {:session_key "anon-example" :product_id 1}
  :sql "DELETE FROM cart_items
         WHERE product_id = :product_id
           AND cart_id IN (SELECT id FROM carts
                            WHERE (user_id = :user_id::int OR (:user_id::int IS NULL AND session_key = :session_key::text)))")

(defaction cart adopt-session-cart (&key user_id session_key)
  "On sign-in, move the visitor's anonymous cart into the user's cart, adding quantities (within stock)."
  :params {:user_id :int :session_key :text}
  :returns :none
  :example {:user_id 1 :session_key "anon-example"}
  :sql "WITH anon AS (
          SELECT id FROM carts WHERE session_key = :session_key AND user_id IS NULL
        ), mine AS (
          INSERT INTO carts (user_id) SELECT :user_id::int WHERE EXISTS (SELECT 1 FROM anon)
          ON CONFLICT (user_id) DO UPDATE SET updated_at = now()
          RETURNING id
        ), moved AS (
          INSERT INTO cart_items (cart_id, product_id, quantity)
          SELECT mine.id, i.product_id, i.quantity FROM mine, cart_items i WHERE i.cart_id IN (SELECT id FROM anon)
          ON CONFLICT (cart_id, product_id) DO UPDATE
            SET quantity = least(cart_items.quantity + EXCLUDED.quantity,
                                 (SELECT stock FROM products WHERE id = EXCLUDED.product_id))
          RETURNING 1
        )
        DELETE FROM carts WHERE id IN (SELECT id FROM anon)")

(defaction cart set-quantity (&key (user_id nil) (session_key nil) product_id quantity)
  "Set how many of a product the cart holds, within the stock; 0 takes it out. Returns the quantity now in the cart."
  :params {:user_id :int :session_key :text :product_id :int :quantity :int}
  :returns :value
  :shape {:quantity :int}
  :example {:session_key "anon-7f3c2a9e4b1d4e0c8a6f" :product_id 16 :quantity 1}
  :sql "WITH mine AS (
          SELECT id FROM carts
           WHERE (user_id = :user_id::int OR (:user_id::int IS NULL AND session_key = :session_key::text))
        ), removed AS (
          DELETE FROM cart_items
           WHERE :quantity::int <= 0 AND product_id = :product_id AND cart_id IN (SELECT id FROM mine)
        )
        UPDATE cart_items i SET quantity = least(:quantity::int, p.stock)
          FROM products p
         WHERE :quantity::int > 0 AND p.id = i.product_id AND i.product_id = :product_id
           AND i.cart_id IN (SELECT id FROM mine) AND p.stock > 0
        RETURNING i.quantity")

(defaction cart place-order (&key (user_id nil) (session_key nil) idempotency_key)
  "Place the cart as an order in one transaction: stock checked and decremented, the cart emptied. The same key places one order, however often it is sent."
  :params {:user_id :int :session_key :text :idempotency_key :text}
  :returns :one
  :shape {:order_id :int :status :text :message :text}
  :writes (orders order_items products cart_items)
  :example {:user_id 4 :idempotency_key "example-idempotency-key"}
  :sql "SELECT order_id, status, message FROM place_order(:user_id::int, :session_key::text, :idempotency_key)")

(defquery cart order (&key id (user_id nil) (session_key nil))
  "An order of this user (or, signed out, this session), with its lines; nil for anyone else's."
  :params {:id :int :user_id :int :session_key :text}
  :returns :one
  :shape {:id :int :total_pence :int :placed_at :timestamp :items :list}
  :example {:id 1 :user_id 4}
  :sql "SELECT o.id, o.total_pence, o.placed_at,
               (SELECT json_agg(json_build_object('name', i.name, 'slug', p.slug, 'quantity', i.quantity,
                                                  'unit_pence', i.unit_pence, 'line_pence', i.quantity * i.unit_pence)
                                ORDER BY i.name)
                  FROM order_items i JOIN products p ON p.id = i.product_id WHERE i.order_id = o.id) AS items
          FROM orders o
         WHERE o.id = :id
           AND (o.user_id = :user_id::int OR (:user_id::int IS NULL AND o.session_key = :session_key::text))")


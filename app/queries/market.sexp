;; Market queries.

(defquery market categories ()
  "Every category, in display order."
  :returns :many
  :shape {:slug :text :name :text :product_count :int}
  :sql "SELECT c.slug, c.name, count(p.id)::int AS product_count
          FROM categories c LEFT JOIN products p ON p.category_id = c.id
         GROUP BY c.id ORDER BY c.sort_order, c.name")

(defquery market products (&key (category nil) (sort "name") (max_price_pence nil))
  "Products, optionally of one category and under a price; sorted by name, price-asc or price-desc."
  :params {:category :text :sort :text :max_price_pence :int}
  :returns :many
  :shape {:id :int :slug :text :name :text :category :text :price_pence :int :sale_price_pence :int
          :stock :int :is_new :bool :on_sale :bool}
  :example {:category "bakery" :sort "price-asc"}
  :sql "SELECT p.id, p.slug, p.name, c.slug AS category, p.price_pence, p.sale_price_pence,
               p.stock, p.is_new, p.on_sale
          FROM products p JOIN categories c ON c.id = p.category_id
         WHERE (:category::text IS NULL OR c.slug = :category)
           AND (:max_price_pence::int IS NULL OR coalesce(p.sale_price_pence, p.price_pence) <= :max_price_pence)
         ORDER BY CASE WHEN :sort = 'price-asc' THEN coalesce(p.sale_price_pence, p.price_pence) END ASC,
                  CASE WHEN :sort = 'price-desc' THEN coalesce(p.sale_price_pence, p.price_pence) END DESC,
                  p.name")

(defquery market product-by-slug (&key slug)
  "One product with its category, or nothing."
  :params {:slug :text}
  :returns :one
  :shape {:id :int :slug :text :name :text :description :text :category :text :category_name :text
          :price_pence :int :sale_price_pence :int :stock :int :is_new :bool :on_sale :bool}
  :example {:slug "sourdough-white-loaf"}
  :sql "SELECT p.id, p.slug, p.name, p.description, c.slug AS category, c.name AS category_name,
               p.price_pence, p.sale_price_pence, p.stock, p.is_new, p.on_sale
          FROM products p JOIN categories c ON c.id = p.category_id
         WHERE p.slug = :slug")

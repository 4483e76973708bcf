;; An example page: npx sexp render --lib examples/components.sexp --data examples/data.json examples/page.sexp

(~layout :title (str shop " — " (count products) " products")
  (p "Prices include VAT & delivery.")
  (section :class "grid"
    (map (fn (p) (~product-card :product p))
         (sort-by :price products))))

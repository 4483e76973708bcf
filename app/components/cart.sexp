;; The cart page and an order's page. Quantity and remove forms post through
;; htmx and swap the cart's panel (the header's cart follows out of band);
;; without JavaScript the same forms post and the page reloads. Placing the
;; order is a plain form post, carrying a key that makes a second submit of
;; the same form place nothing more.

(defcomp ~cart-line (&key line)
  (tr
    (td (a :href (str "/market/" (:slug line) "/") (:name line)))
    (td :class "num"
      (form :class "quantity" :method "post" :action "/cart/update/"
            :hx-post "/cart/update/" :hx-target "#cart-panel" :hx-swap "outerHTML" :hx-trigger "change, submit"
        (input :type "hidden" :name "product_id" :value (:product_id line))
        (input :type "number" :name "quantity" :value (:quantity line) :min 0 :max (:stock line)
               :aria-label (str "How many " (:name line)))
        (button :type "submit" :class "link" "Update")))
    (td :class "num unit" (price (:unit_pence line)))
    (td :class "num" (price (:line_pence line)))
    (td (form :method "post" :action "/cart/remove/"
              :hx-post "/cart/remove/" :hx-target "#cart-panel" :hx-swap "outerHTML"
          (input :type "hidden" :name "product_id" :value (:product_id line))
          (button :type "submit" :class "link" "Remove")))))

;; `checkout` is the idempotency key the order form carries; `message` says what went wrong last.
(defcomp ~cart-panel (&key lines checkout message)
  (section :id "cart-panel"
    (h1 "Your cart")
    (when message (p :class "notice" :role "alert" message))
    (if (empty? lines)
      (p :class "empty" "Your cart is empty. " (a :href "/market/" "Visit the market") ".")
      (<>
        (div :class "table-scroll"
          (table :class "lines"
            (thead (tr (th "Product") (th :class "num" "Quantity") (th :class "num unit" "Price") (th :class "num" "Total") (th)))
            (tbody (map (fn (l) (~cart-line :line l)) lines))))
        (form :class "checkout" :method "post" :action "/cart/checkout/"
          (input :type "hidden" :name "idempotency_key" :value checkout)
          (span "Total " (strong (price (reduce + 0 (map (fn (l) (:line_pence l)) lines)))))
          (button :type "submit" "Place order"))))))

(defcomp ~cart-page (&key lines checkout message)
  (~base-layout :title "Cart"
    (main :class "layout narrow" (~cart-panel :lines lines :checkout checkout :message message))))

(defcomp ~order-lines (&key order)
  (div :class "table-scroll"
    (table :class "lines"
      (thead (tr (th "Product") (th :class "num" "Quantity") (th :class "num" "Price") (th :class "num" "Total")))
      (tbody
        (map (fn (i)
               (tr (td (a :href (str "/market/" (:slug i) "/") (:name i)))
                   (td :class "num" (:quantity i))
                   (td :class "num" (price (:unit_pence i)))
                   (td :class "num" (price (:line_pence i)))))
             (:items order)))
      (tfoot (tr (th :colspan 3 "Total") (th :class "num" (price (:total_pence order))))))))

(defcomp ~order-page (&key order)
  (~base-layout :title (str "Order " (:id order))
    (main :class "layout narrow"
      (h1 (str "Order " (:id order)))
      (p :class "notice ok" :role "status" "Thank you: your order was placed on " (~date :at (:placed_at order)) ".")
      (~order-lines :order order)
      (p (a :href "/market/" "Back to the market") " · " (a :href "/account/" "Your orders")))))

;; The cart page. Remove buttons post through htmx and swap the page's panel;
;; without JavaScript the same forms post and the page reloads.

(defcomp ~cart-line (&key line)
  (tr
    (td (a :href (str "/market/" (:slug line) "/") (:name line)))
    (td :class "num" (:quantity line))
    (td :class "num" (price (:unit_pence line)))
    (td :class "num" (price (:line_pence line)))
    (td (form :method "post" :action "/cart/remove/"
              :hx-post "/cart/remove/" :hx-target "#cart-panel" :hx-swap "outerHTML"
          (input :type "hidden" :name "product_id" :value (:product_id line))
          (button :type "submit" :class "link" "Remove")))))

(defcomp ~cart-panel (&key lines)
  (section :id "cart-panel"
    (h1 "Your cart")
    (if (empty? lines)
      (p :class "empty" "Your cart is empty. " (a :href "/market/" "Visit the market") ".")
      (table :class "cart"
        (thead (tr (th "Product") (th :class "num" "Qty") (th :class "num" "Price") (th :class "num" "Total") (th)))
        (tbody (map (fn (l) (~cart-line :line l)) lines))
        (tfoot (tr (th :colspan 3 "Total")
                   (th :class "num" (price (reduce + 0 (map (fn (l) (:line_pence l)) lines))))
                   (th)))))))

(defcomp ~cart-page (&key lines)
  (~base-layout :title "Cart"
    (main :class "layout single" (~cart-panel :lines lines))))

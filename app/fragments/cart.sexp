;; Fragments the cart service renders: (frag cart <name> :key value ...).

;; The header's cart link: item count and total. htmx actions swap it by id.
;; With :oob it swaps itself in out of band (beside another swap).
(defcomp ~cart-mini (&key user_id session_key oob)
  (let ((cart (query cart cart-summary :user_id user_id :session_key session_key))
        (items (or (:items cart) 0)))
    (a :id "cart-mini" :class "cart-mini" :href "/cart/" :hx-swap-oob (when oob "outerHTML")
      (span :class "cart-count" items)
      (if (= items 1) " item" " items")
      (when (> items 0) (<> " · " (price (:total_pence cart)))))))

;; The cart: a page, and actions that add and remove (POST only).

(define (cart-owner user)
  {:user_id (:id user) :session_key (if user nil (session-key))})

(defroute "/cart/"
  (let ((user (current-user))
        (lines (query cart cart-items :user_id (:id user) :session_key (if user nil (session-key)))))
    (render (~cart-page :lines lines))))

;; htmx gets the header's cart back (it swaps #cart-mini); a plain form post
;; is redirected to the cart.
(defroute "/cart/add/" :method "POST"
  (let ((user (current-user))
        (key (if user nil (start-session)))
        (product-id (parse-number (form-field "product_id" ""))))
    (if (integer? product-id)
      (let ((added (action cart add-item :user_id (:id user) :session_key key :product_id product-id)))
        (if (htmx-request?)
          (render (frag cart cart-mini :user_id (:id user) :session_key key))
          (redirect "/cart/")))
      (status 400 (p "Which product? The form needs a product_id.")))))

(defroute "/cart/remove/" :method "POST"
  (let ((user (current-user))
        (key (if user nil (session-key)))
        (product-id (parse-number (form-field "product_id" ""))))
    (if (integer? product-id)
      (let ((removed (action cart remove-item :user_id (:id user) :session_key key :product_id product-id)))
        (if (htmx-request?)
          (render (<>
                    (~cart-panel :lines (query cart cart-items :user_id (:id user) :session_key key))
                    (frag cart cart-mini :user_id (:id user) :session_key key :oob true)))
          (redirect "/cart/")))
      (status 400 (p "Which product? The form needs a product_id.")))))

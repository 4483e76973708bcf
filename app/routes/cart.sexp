;; The cart: a page, actions that add, change and remove (POST only), placing
;; the order, and the order's page.

(defroute "/cart/"
  (let ((user (current-user))
        (lines (query cart cart-items :user_id (:id user) :session_key (if user nil (session-key)))))
    (render (~cart-page :lines lines :checkout (new-id)))))

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

;; Set a line's quantity (0 takes it out, more than the stock is capped and said so).
(defroute "/cart/update/" :method "POST"
  (let ((user (current-user))
        (key (if user nil (session-key)))
        (product-id (parse-number (form-field "product_id" "")))
        (wanted (parse-number (form-field "quantity" ""))))
    (if (and (integer? product-id) (integer? wanted))
      (let ((now (action cart set-quantity :user_id (:id user) :session_key key :product_id product-id :quantity (max 0 wanted)))
            (capped (when (and (> wanted 0) (< (or now 0) wanted))
                      (format "Only %d left in stock, so your cart holds %d." (or now 0) (or now 0)))))
        (if (htmx-request?)
          (render (<>
                    (~cart-panel :lines (query cart cart-items :user_id (:id user) :session_key key)
                                 :checkout (new-id) :message capped)
                    (frag cart cart-mini :user_id (:id user) :session_key key :oob true)))
          (redirect "/cart/")))
      (status 400 (p "Which product, and how many? The form needs a product_id and a whole-number quantity.")))))

;; Place the order: on success its page; a form sent twice finds the same order.
(defroute "/cart/checkout/" :method "POST"
  (let ((user (current-user))
        (key (if user nil (session-key)))
        (checkout (form-field "idempotency_key" "")))
    (if (< (count checkout) 16)
      (status 400 (p "The order form is missing its key: reload the cart and try again."))
      (let ((placed (action cart place-order :user_id (:id user) :session_key key :idempotency_key checkout)))
        (if (= (:status placed) "placed")
          (redirect (str "/orders/" (:order_id placed) "/"))
          (status 409 (~cart-page :lines (query cart cart-items :user_id (:id user) :session_key key)
                                  :checkout (new-id) :message (:message placed))))))))

(defroute "/orders/:id/"
  (let ((user (current-user))
        (number (parse-number id))
        (order (when (integer? number)
                 (query cart order :id number :user_id (:id user) :session_key (if user nil (session-key))))))
    (if order
      (render (~order-page :order order))
      (status 404 (~not-found :path (str "/orders/" id "/"))))))

;; Signing in, and the account page.

(defcomp ~sign-in-page (&key email error)
  (~base-layout :title "Sign in"
    (main :class "layout narrow sign-in"
      (h1 "Sign in")
      (when error (p :class "notice" :role "alert" error))
      (form :class "stacked" :method "post" :action "/account/sign-in/"
        (label "Email" (input :type "email" :name "email" :value email :required true :autocomplete "username"))
        (label "Password" (input :type "password" :name "password" :required true :autocomplete "current-password"))
        (button :type "submit" "Sign in")))))

(defcomp ~order-row (&key order)
  (tr (td (a :href (str "/orders/" (:id order) "/") (str "Order " (:id order))))
      (td (~date :at (:placed_at order)))
      (td :class "num" (:items order) (if (= (:items order) 1) " item" " items"))
      (td :class "num" (price (:total_pence order)))))

(defcomp ~account-page (&key user sessions orders)
  (~base-layout :title "Your account"
    (main :class "layout narrow account"
      (h1 "Your account")
      (dl :class "details"
        (dt "Name") (dd (:name user))
        (dt "Email") (dd (:email user)))
      (h2 "Orders")
      (if (empty? orders)
        (p :class "empty" "No orders yet. " (a :href "/market/" "Visit the market") ".")
        (div :class "table-scroll"
          (table :class "lines"
            (thead (tr (th "Order") (th "Placed") (th :class "num" "Items") (th :class "num" "Total")))
            (tbody (map (fn (o) (~order-row :order o)) orders)))))
      (h2 "Sessions")
      (p (if (= (:count sessions) 1)
           "You are signed in on this device only."
           (format "You are signed in on %d devices or browsers." (:count sessions))))
      (div :class "actions"
        (form :method "post" :action "/account/sign-out/"
          (button :type "submit" "Sign out"))
        (form :method "post" :action "/account/sign-out-everywhere/"
          (button :type "submit" :class "secondary" "Sign out everywhere"))))))

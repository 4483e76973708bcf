;; Signing in.

(defcomp ~sign-in-page (&key email error)
  (~base-layout :title "Sign in"
    (main :class "layout single"
      (section :class "sign-in"
        (h1 "Sign in")
        (when error (p :class "error" :role "alert" error))
        (form :method "post" :action "/account/sign-in/"
          (label "Email" (input :type "email" :name "email" :value email :required true :autocomplete "username"))
          (label "Password" (input :type "password" :name "password" :required true :autocomplete "current-password"))
          (button :type "submit" "Sign in"))))))
